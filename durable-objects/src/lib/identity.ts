import { randomBase62, sha256Hex } from './encoding'

/** Emails are compared trimmed and lowercased: one person, one account. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

/** A six-digit one-time code from the CSPRNG, uniformly distributed (rejection sampling). */
export function newOneTimeCode(): string {
  const limit = 4_294_000_000 // the largest multiple of 1e6 below 2^32
  for (;;) {
    const [n] = crypto.getRandomValues(new Uint32Array(1))
    if (n !== undefined && n < limit) return String(n % 1_000_000).padStart(6, '0')
  }
}

/**
 * An opaque bearer secret (`<prefix>_<43 base62>`, ~256 bits) and the SHA-256 under which it is
 * stored: refresh tokens and invite tokens are never kept in clear.
 */
export async function newOpaqueToken(
  prefix: 'tpr' | 'tpi'
): Promise<{ token: string; hash: string }> {
  const token = `${prefix}_${randomBase62(43)}`
  return { token, hash: await sha256Hex(token) }
}

export const hashToken = (token: string): Promise<string> => sha256Hex(token)

/** How long one-time codes live, and how many wrong guesses burn one. */
export const CODE_TTL_MS = 10 * 60_000
export const CODE_MAX_ATTEMPTS = 5
/** A new code for the same email and purpose is refused this soon after the last. */
export const CODE_RESEND_MS = 30_000
/** Refresh sessions end this long after sign-in, however often they are refreshed. */
export const SESSION_TTL_MS = 30 * 24 * 3600_000
/** Consecutive wrong passwords before the account is locked, and for how long. */
export const LOCKOUT_FAILURES = 10
export const LOCKOUT_MS = 15 * 60_000
