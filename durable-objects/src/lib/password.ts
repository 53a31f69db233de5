import { constantTimeEqual, fromBase64, toBase64 } from './encoding'

/**
 * Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto, the only KDF workerd offers
 * natively. workerd caps PBKDF2 at 100,000 iterations, so that is the cost used; the encoded
 * form carries its parameters, so a stronger KDF can replace it and old hashes still verify.
 * Format: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>`.
 */
export const PBKDF2_ITERATIONS = 100_000
const SALT_BYTES = 16
const HASH_BITS = 256

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(password.normalize('NFKC')),
    'PBKDF2',
    false,
    ['deriveBits']
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    HASH_BITS
  )
  return new Uint8Array(bits)
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = await derive(password, salt, PBKDF2_ITERATIONS)
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`
}

/** Checks a password against a stored hash; malformed hashes never verify. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iter, salt, hash] = stored.split('$')
  const iterations = Number(iter)
  if (scheme !== 'pbkdf2-sha256' || !salt || !hash || !Number.isInteger(iterations)) return false
  if (iterations < 1 || iterations > PBKDF2_ITERATIONS) return false
  const expected = fromBase64(hash)
  const actual = await derive(password, fromBase64(salt), iterations)
  return constantTimeEqual(actual, expected)
}
