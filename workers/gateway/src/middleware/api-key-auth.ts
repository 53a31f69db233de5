import { hashApiKey, looksLikeApiKey } from '@trueport/durable-objects'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { KeySnapshotCache } from '../services/key-cache'
import { checkKeyScope } from '../services/key-policy'

export interface ApiKeyAuthOptions {
  /** How long a resolved key is trusted from isolate memory. Bounds revocation delay. */
  cacheTtlMs?: number
  /** How long an unknown key is remembered as unknown. */
  negativeCacheTtlMs?: number
  maxEntries?: number
}

/**
 * Reads the key the way each SDK sends it: `Authorization: Bearer` (OpenAI and most others),
 * `x-api-key` (Anthropic), `x-goog-api-key` or `?key=` (Gemini).
 */
function presentedKey(headers: Headers, url: string): string | undefined {
  const auth = headers.get('authorization')
  if (auth) {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim())
    return match?.[1]?.trim()
  }
  const header = headers.get('x-api-key') ?? headers.get('x-goog-api-key')
  if (header) return header
  // Gemini's REST convention also allows `?key=`.
  return url.includes('key=') ? (new URL(url).searchParams.get('key') ?? undefined) : undefined
}

/**
 * Authenticates a TruePort API key and sets `c.var.apiKey`. Shape is checked before hashing so
 * garbage never costs a lookup; revoked and unknown keys get distinct codes.
 */
export function apiKeyAuth({
  cacheTtlMs = 5_000,
  negativeCacheTtlMs = 1_000,
  maxEntries = 10_000,
}: ApiKeyAuthOptions = {}): MiddlewareHandler<AppEnv> {
  if (cacheTtlMs < 0 || cacheTtlMs > 10_000) {
    // Revocation must take effect within 10 s; a longer isolate TTL would break that promise.
    throw new RangeError('apiKeyAuth: cacheTtlMs must be between 0 and 10000')
  }
  const cache = new KeySnapshotCache(cacheTtlMs, negativeCacheTtlMs, maxEntries)
  // The SHA-256 of each key seen by this isolate, so the hot path hashes a key once, not per
  // request. The keys already pass through this memory on every request; the map only keeps them.
  const hashes = new Map<string, string>()
  const hashOf = async (key: string): Promise<string> => {
    let hash = hashes.get(key)
    if (hash === undefined) {
      hash = await hashApiKey(key)
      if (hashes.size >= maxEntries) hashes.clear()
      hashes.set(key, hash)
    }
    return hash
  }

  return async function apiKeyAuth(c, next) {
    const key = presentedKey(c.req.raw.headers, c.req.url)
    if (!key)
      throw new GatewayError('missing_api_key', 'missing API key: send Authorization: Bearer <key>')
    if (!looksLikeApiKey(key)) throw new GatewayError('invalid_api_key', 'invalid API key')
    const snapshot = await cache.get(c.env, await hashOf(key))
    if (!snapshot) throw new GatewayError('invalid_api_key', 'invalid API key')
    if (snapshot.status === 'revoked')
      throw new GatewayError('revoked_api_key', 'this API key has been revoked')
    if (snapshot.status === 'quarantined')
      throw new GatewayError(
        'key_quarantined',
        'this API key is quarantined after security violations: an admin can release it'
      )
    checkKeyScope(snapshot, {
      path: new URL(c.req.url).pathname,
      clientIp: c.req.header('cf-connecting-ip'),
    })
    c.set('apiKey', snapshot)
    await next()
  }
}
