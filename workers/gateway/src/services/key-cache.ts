import { KeySnapshot } from '@trueport/contracts'
import { cacheKeys, type UpstashSecrets } from '@trueport/durable-objects'
import { readHot } from './hot-cache'

interface Entry {
  snapshot: KeySnapshot | null
  expiresAt: number
}

/**
 * Isolate-memory cache of API key snapshots in front of Upstash Redis (or KV). Entries live `ttlMs` (bounding how
 * long a revocation can go unseen by this isolate); unknown keys are cached too, briefly, so a
 * client hammering with a bad key does not turn into a KV read per request.
 */
export class KeySnapshotCache {
  readonly #entries = new Map<string, Entry>()

  constructor(
    private readonly ttlMs: number,
    private readonly negativeTtlMs: number,
    private readonly maxEntries: number
  ) {}

  /** The snapshot for `hash`, from memory or the shared cache; null when the key is unknown. */
  async get(
    env: { KEY_CACHE: KVNamespace } & UpstashSecrets,
    hash: string,
    now = Date.now()
  ): Promise<KeySnapshot | null> {
    const hit = this.#entries.get(hash)
    if (hit && hit.expiresAt > now) return hit.snapshot
    const raw = await readHot(env, cacheKeys.apiKey(hash))
    const parsed = raw === null ? null : KeySnapshot.safeParse(JSON.parse(raw))
    const snapshot = parsed?.success ? parsed.data : null
    this.#set(hash, snapshot, now + (snapshot ? this.ttlMs : this.negativeTtlMs))
    return snapshot
  }

  /** Drops every entry (tests, and a future push-invalidation path). */
  clear(): void {
    this.#entries.clear()
  }

  #set(hash: string, snapshot: KeySnapshot | null, expiresAt: number): void {
    // Map keeps insertion order, so the first key is the oldest: a cheap FIFO bound.
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(hash, { snapshot, expiresAt })
  }
}
