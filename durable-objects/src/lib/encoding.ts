/** Byte/text helpers shared by the crypto modules; WebCrypto only, so they run in workerd and Node. */

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * `length` characters of base62 from the CSPRNG. Rejection sampling keeps every character
 * equally likely (a plain `% 62` would favour the first eight).
 */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    // getRandomValues refuses more than 65,536 bytes a call.
    const bytes = crypto.getRandomValues(
      new Uint8Array(Math.min(65_536, (length - out.length) * 2))
    )
    for (const b of bytes) {
      if (b < 248 && out.length < length) out += BASE62[b % 62]
    }
  }
  return out
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let hex = ''
  for (const b of view) hex += b.toString(16).padStart(2, '0')
  return hex
}

export function toBase64(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin)
}

export function fromBase64(text: string): Uint8Array {
  const bin = atob(text)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** Compares two byte arrays in time independent of where they differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
}

/** A prefixed random identifier such as `ten_3fZ...`; 20 base62 chars is ~119 bits. */
export function newId(prefix: 'ten' | 'usr' | 'key' | 'ses' | 'inv' | 'evt'): string {
  return `${prefix}_${randomBase62(20)}`
}
