import { fromBase64, toBase64 } from './encoding'

/**
 * Envelope encryption for secrets at rest (a tenant's bucket credentials, later its provider
 * keys): each value gets its own random AES-256-GCM data key; the data key is itself encrypted
 * (AES-GCM) under the key-encryption key (KEK) from a secret binding. Rotating the KEK only
 * re-wraps data keys; a sealed value names the KEK it was wrapped with.
 */
export interface Sealed {
  v: 1
  kek: string
  /** The data key, encrypted under the KEK: iv (12 bytes) || ciphertext, base64. */
  key: string
  /** The value, encrypted under the data key: iv || ciphertext, base64. */
  data: string
}

export interface Kek {
  id: string
  key: CryptoKey
}

/** Imports a KEK from its base64 form (32 random bytes), as kept in a secret binding. */
export async function importKek(id: string, base64: string): Promise<Kek> {
  const raw = fromBase64(base64.trim())
  if (raw.byteLength !== 32) throw new Error('a key-encryption key is 32 bytes, base64-encoded')
  const key = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
  return { id, key }
}

async function encrypt(key: CryptoKey, plain: Uint8Array): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain))
  const out = new Uint8Array(12 + ct.byteLength)
  out.set(iv)
  out.set(ct, 12)
  return toBase64(out)
}

async function decrypt(key: CryptoKey, sealed: string): Promise<Uint8Array> {
  const bytes = fromBase64(sealed)
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.slice(0, 12) },
    key,
    bytes.slice(12)
  )
  return new Uint8Array(plain)
}

export async function seal(value: string, kek: Kek): Promise<Sealed> {
  const dataKey = crypto.getRandomValues(new Uint8Array(32))
  const dk = await crypto.subtle.importKey('raw', dataKey, 'AES-GCM', false, ['encrypt'])
  return {
    v: 1,
    kek: kek.id,
    key: await encrypt(kek.key, dataKey),
    data: await encrypt(dk, new TextEncoder().encode(value)),
  }
}

export async function unseal(sealed: Sealed, keks: Kek[]): Promise<string> {
  const kek = keks.find((k) => k.id === sealed.kek)
  if (!kek) throw new Error(`sealed under key-encryption key "${sealed.kek}", which is not loaded`)
  const raw = await decrypt(kek.key, sealed.key)
  const dk = await crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['decrypt'])
  return new TextDecoder().decode(await decrypt(dk, sealed.data))
}

/** Re-wraps a value's data key under another KEK; the value itself is not touched. */
export async function rewrap(sealed: Sealed, from: Kek[], to: Kek): Promise<Sealed> {
  const kek = from.find((k) => k.id === sealed.kek)
  if (!kek) throw new Error(`sealed under key-encryption key "${sealed.kek}", which is not loaded`)
  const raw = await decrypt(kek.key, sealed.key)
  return { ...sealed, kek: to.id, key: await encrypt(to.key, raw) }
}

/** The key-encryption keys a deployment holds: the current one, and the one being retired. */
export interface Keyring {
  current: Kek
  /** Every loaded KEK (current first), for opening values sealed before a rotation. */
  all: Kek[]
}

/** What the secret bindings hold. */
export interface KekSecrets {
  CREDENTIALS_KEK?: string
  CREDENTIALS_KEK_ID?: string
  /** During a rotation: the KEK being retired, until every value is re-wrapped. */
  CREDENTIALS_KEK_PREVIOUS?: string
  CREDENTIALS_KEK_PREVIOUS_ID?: string
}

/** The keyring from the secret bindings; throws a clear error when no KEK is configured. */
export async function loadKeyring(secrets: KekSecrets): Promise<Keyring> {
  if (!secrets.CREDENTIALS_KEK)
    throw new Error('CREDENTIALS_KEK is not set: credentials cannot be sealed or opened')
  const current = await importKek(secrets.CREDENTIALS_KEK_ID ?? 'kek-1', secrets.CREDENTIALS_KEK)
  const all = [current]
  if (secrets.CREDENTIALS_KEK_PREVIOUS)
    all.push(
      await importKek(
        secrets.CREDENTIALS_KEK_PREVIOUS_ID ?? 'kek-previous',
        secrets.CREDENTIALS_KEK_PREVIOUS
      )
    )
  return { current, all }
}

/** Re-wraps `sealed` under the keyring's current KEK unless it already is; says whether it did. */
export async function rewrapToCurrent(
  sealed: Sealed,
  ring: Keyring
): Promise<{ sealed: Sealed; changed: boolean }> {
  if (sealed.kek === ring.current.id) return { sealed, changed: false }
  return { sealed: await rewrap(sealed, ring.all, ring.current), changed: true }
}
