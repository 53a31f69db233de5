import { Redis } from '@upstash/redis/cloudflare'

/** The secrets that turn on Upstash Redis as the hot-path cache (both, or neither). */
export interface UpstashSecrets {
  UPSTASH_REDIS_REST_URL?: string
  UPSTASH_REDIS_REST_TOKEN?: string
}

type CacheEnv = { KEY_CACHE: KVNamespace } & UpstashSecrets

const clients = new Map<string, Redis>()

/** The isolate's Upstash client for these credentials, or undefined when not configured. */
export function upstashFor(env: UpstashSecrets): Redis | undefined {
  const url = env.UPSTASH_REDIS_REST_URL
  const token = env.UPSTASH_REDIS_REST_TOKEN
  if (!url || !token) return undefined
  let client = clients.get(url)
  if (!client) {
    // Values are our own JSON strings: no automatic (de)serialisation, no retries that would
    // stretch a hot-path miss; the KV fallback answers instead.
    client = new Redis({
      url,
      token,
      automaticDeserialization: false,
      retry: false,
      enableAutoPipelining: false,
    })
    clients.set(url, client)
  }
  return client
}

/**
 * Writes one hot-path entry everywhere the gateway may read it: Upstash Redis when configured
 * (read first, globally consistent within milliseconds) and KV (the fallback, and the only
 * store of local runs). Both writes must succeed: a revocation that reached only one store
 * could be missed by readers of the other.
 */
export async function publishHot(
  env: CacheEnv,
  key: string,
  value: string,
  ttlSeconds?: number
): Promise<void> {
  const redis = upstashFor(env)
  await Promise.all([
    redis ? (ttlSeconds ? redis.set(key, value, { ex: ttlSeconds }) : redis.set(key, value)) : null,
    env.KEY_CACHE.put(
      key,
      value,
      // KV refuses expirations under 60 s.
      ttlSeconds ? { expirationTtl: Math.max(60, ttlSeconds) } : undefined
    ),
  ])
}
