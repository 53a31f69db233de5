import { API_KEY_PREFIX, ApiKeyToken, type Environment } from '@trueport/contracts'
import { randomBase62, sha256Hex } from './encoding'

/** Characters of the key shown in listings (`tp_dev_AbCd`): enough to tell keys apart, not to use. */
const DISPLAY_LENGTH = 4

/** A freshly generated key: `key` is shown once, only `hash` and `prefix` are stored. */
export interface GeneratedApiKey {
  key: string
  prefix: string
  hash: string
}

/**
 * Generates an API key `tp_<env>_<40 base62>` (~238 bits). A fast hash (SHA-256) is right for
 * keys, unlike passwords: they are long and random, so there is nothing to brute-force, and the
 * gateway must hash on every request.
 */
export async function generateApiKey(environment: Environment): Promise<GeneratedApiKey> {
  const key = `${API_KEY_PREFIX}${environment}_${randomBase62(40)}`
  return { key, prefix: displayPrefix(key), hash: await hashApiKey(key) }
}

/** The SHA-256 hex digest under which a key is stored and looked up. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key)
}

/** `tp_dev_AbCd`: the environment part plus the first few random characters. */
export function displayPrefix(key: string): string {
  const cut = key.indexOf('_', API_KEY_PREFIX.length) + 1 + DISPLAY_LENGTH
  return key.slice(0, cut)
}

/** True when the string has the shape of a TruePort key (checked before any lookup). */
export function looksLikeApiKey(candidate: string): boolean {
  return ApiKeyToken.safeParse(candidate).success
}
