import { upstashFor, type UpstashSecrets } from '@trueport/durable-objects'

/**
 * Reads one hot-path entry: Upstash Redis when configured (globally consistent within
 * milliseconds), KV otherwise or when Upstash fails. KV alone is eventually consistent (up to
 * a minute between locations), so the 10 s revocation promise holds with Upstash configured.
 */
export async function readHot(
  env: { KEY_CACHE: KVNamespace } & UpstashSecrets,
  key: string
): Promise<string | null> {
  const redis = upstashFor(env)
  if (redis) {
    try {
      return await redis.get<string>(key)
    } catch (err) {
      console.warn(JSON.stringify({ cache: 'upstash', error: String(err), fallback: 'kv' }))
    }
  }
  return env.KEY_CACHE.get(key)
}
