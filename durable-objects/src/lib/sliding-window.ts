/**
 * An exact sliding-window limiter for requests and tokens, pure. Every admitted request is kept
 * as an entry (time, tokens) until it leaves the window, so counts are exact rather than the
 * usual two-bucket estimate; running totals keep each call O(1) amortised however many entries
 * the window holds (memory grows with the requests admitted per window). Tokens are not known
 * when a request is admitted, so it reserves an estimate that `settle` later replaces with the
 * actual count. The owning Durable Object runs one call at a time, which makes admission atomic.
 */

export interface WindowLimits {
  /** Requests per window; 0 means unlimited. */
  requests: number
  /** Tokens per window; 0 means unlimited. */
  tokens: number
  windowMs: number
}

interface Entry {
  id: string
  at: number
  tokens: number
  /** Taken back by `release`: kept in the queue (removal from its middle would cost O(n)). */
  released: boolean
}

export interface LimitReport {
  limit: number
  remaining: number
  /** Milliseconds until the window has its full allowance back. */
  resetMs: number
}

export interface AdmitResult {
  allowed: boolean
  /** Which limit refused the request. */
  exceeded?: 'requests' | 'tokens'
  /** When refused: milliseconds until enough of the window frees up for this request. */
  retryAfterMs: number
  requests: LimitReport
  tokens: LimitReport
}

/** Queue slots consumed from the front before the array is compacted. */
const COMPACT_AFTER = 1024

export class SlidingWindow {
  #queue: Entry[] = []
  #head = 0
  readonly #byId = new Map<string, Entry>()
  #count = 0
  #tokens = 0

  #prune(now: number, windowMs: number): void {
    while (this.#head < this.#queue.length) {
      const e = this.#queue[this.#head]
      if (!e || e.at + windowMs > now) break
      if (!e.released) {
        this.#count--
        this.#tokens -= e.tokens
      }
      this.#byId.delete(e.id)
      this.#head++
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
  }

  /** Live entries, oldest first (only walked when refusing or reporting a reset). */
  *#live(): Generator<Entry> {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const e = this.#queue[i]
      if (e && !e.released) yield e
    }
  }

  /** Milliseconds until `needed` requests (or tokens) have left the window. */
  #freeAfter(now: number, windowMs: number, needed: number, by: 'requests' | 'tokens') {
    let freed = 0
    for (const e of this.#live()) {
      freed += by === 'requests' ? 1 : e.tokens
      if (freed >= needed) return Math.max(0, e.at + windowMs - now)
    }
    return windowMs
  }

  #oldestAt(): number | undefined {
    for (const e of this.#live()) return e.at
    return undefined
  }

  #newestAt(): number | undefined {
    for (let i = this.#queue.length - 1; i >= this.#head; i--) {
      const e = this.#queue[i]
      if (e && !e.released) return e.at
    }
    return undefined
  }

  #report(now: number, l: WindowLimits) {
    const until = (at: number | undefined) =>
      at === undefined ? 0 : Math.max(0, at + l.windowMs - now)
    const full = until(this.#newestAt())
    return {
      requests: {
        limit: l.requests,
        remaining: Math.max(0, l.requests - this.#count),
        // When full, the next slot frees as the oldest request leaves.
        resetMs: this.#count >= l.requests ? until(this.#oldestAt()) : full,
      },
      tokens: { limit: l.tokens, remaining: Math.max(0, l.tokens - this.#tokens), resetMs: full },
    }
  }

  /** Admits one request reserving `estimate` tokens, or says how long to wait. */
  admit(id: string, estimate: number, now: number, l: WindowLimits): AdmitResult {
    this.#prune(now, l.windowMs)
    if (l.requests > 0 && this.#count >= l.requests) {
      const needed = this.#count - l.requests + 1
      return {
        allowed: false,
        exceeded: 'requests',
        retryAfterMs: this.#freeAfter(now, l.windowMs, needed, 'requests'),
        ...this.#report(now, l),
      }
    }
    // An estimate above the whole allowance can only pass into an empty window.
    const need = Math.min(estimate, l.tokens)
    if (l.tokens > 0 && this.#tokens + need > l.tokens) {
      const needed = this.#tokens + need - l.tokens
      return {
        allowed: false,
        exceeded: 'tokens',
        retryAfterMs: this.#freeAfter(now, l.windowMs, needed, 'tokens'),
        ...this.#report(now, l),
      }
    }
    const entry: Entry = { id, at: now, tokens: estimate, released: false }
    this.#queue.push(entry)
    this.#byId.set(id, entry)
    this.#count++
    this.#tokens += estimate
    // Report only what is cheap on the admit path: the full reset is the newest entry's.
    return {
      allowed: true,
      retryAfterMs: 0,
      requests: {
        limit: l.requests,
        remaining: Math.max(0, l.requests - this.#count),
        resetMs: this.#count >= l.requests ? this.#report(now, l).requests.resetMs : l.windowMs,
      },
      tokens: {
        limit: l.tokens,
        remaining: Math.max(0, l.tokens - this.#tokens),
        resetMs: l.windowMs,
      },
    }
  }

  /** Replaces a request's reserved estimate with the tokens it actually used. */
  settle(id: string, tokens: number): boolean {
    const e = this.#byId.get(id)
    if (!e || e.released) return false
    const actual = Math.max(0, tokens)
    this.#tokens += actual - e.tokens
    e.tokens = actual
    return true
  }

  /** Takes back an admission (a request another limit refused); it never counted. */
  release(id: string): boolean {
    const e = this.#byId.get(id)
    if (!e || e.released) return false
    e.released = true
    this.#count--
    this.#tokens -= e.tokens
    this.#byId.delete(id)
    return true
  }

  /** Whether nothing is left in the window (the owner may then drop its state). */
  empty(now: number, windowMs: number): boolean {
    this.#prune(now, windowMs)
    return this.#count === 0
  }
}
