/**
 * An exact sliding-window limiter for requests and tokens, pure. Every admitted request is kept
 * as an entry (time, tokens) until it leaves the window, so counts are exact rather than the
 * usual two-bucket estimate; memory is bounded by the request limit. Tokens are not known when a
 * request is admitted, so it reserves an estimate that `settle` later replaces with the actual
 * count. The owning Durable Object runs one call at a time, which makes admission atomic.
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

export class SlidingWindow {
  #entries: Entry[] = []

  /** Entries still inside the window, oldest first. */
  #live(now: number, windowMs: number): Entry[] {
    let drop = 0
    while (drop < this.#entries.length && (this.#entries[drop]?.at ?? 0) + windowMs <= now) drop++
    if (drop) this.#entries.splice(0, drop)
    return this.#entries
  }

  /** Milliseconds until `needed` tokens (or one request slot) have left the window. */
  #freeAfter(live: Entry[], now: number, windowMs: number, needed: number, by: 'n' | 't') {
    let freed = 0
    for (const e of live) {
      freed += by === 'n' ? 1 : e.tokens
      if (freed >= needed) return Math.max(0, e.at + windowMs - now)
    }
    return windowMs
  }

  #report(live: Entry[], now: number, l: WindowLimits, extra = 0) {
    const used = live.reduce((s, e) => s + e.tokens, 0) + extra
    const oldest = live[0]
    const resetMs = oldest ? Math.max(0, oldest.at + l.windowMs - now) : 0
    const newest = live.at(-1)
    const fullReset = newest ? Math.max(0, newest.at + l.windowMs - now) : 0
    return {
      requests: {
        limit: l.requests,
        remaining: Math.max(0, l.requests - live.length),
        resetMs: live.length >= l.requests ? resetMs : fullReset,
      },
      tokens: { limit: l.tokens, remaining: Math.max(0, l.tokens - used), resetMs: fullReset },
    }
  }

  /** Admits one request reserving `estimate` tokens, or says how long to wait. */
  admit(id: string, estimate: number, now: number, l: WindowLimits): AdmitResult {
    const live = this.#live(now, l.windowMs)
    const used = live.reduce((s, e) => s + e.tokens, 0)
    if (l.requests > 0 && live.length >= l.requests) {
      return {
        allowed: false,
        exceeded: 'requests',
        retryAfterMs: this.#freeAfter(live, now, l.windowMs, live.length - l.requests + 1, 'n'),
        ...this.#report(live, now, l),
      }
    }
    // A single request bigger than the whole allowance could never pass; it is refused outright
    // by the caller's validation, and here only needs the window empty.
    const need = Math.min(estimate, l.tokens)
    if (l.tokens > 0 && used + need > l.tokens) {
      return {
        allowed: false,
        exceeded: 'tokens',
        retryAfterMs: this.#freeAfter(live, now, l.windowMs, used + need - l.tokens, 't'),
        ...this.#report(live, now, l),
      }
    }
    live.push({ id, at: now, tokens: estimate })
    return { allowed: true, retryAfterMs: 0, ...this.#report(live, now, l) }
  }

  /** Replaces a request's reserved estimate with the tokens it actually used. */
  settle(id: string, tokens: number): boolean {
    const e = this.#entries.find((x) => x.id === id)
    if (!e) return false
    e.tokens = Math.max(0, tokens)
    return true
  }

  /** Takes back an admission (a request another limit refused); it never counted. */
  release(id: string): boolean {
    const i = this.#entries.findIndex((x) => x.id === id)
    if (i < 0) return false
    this.#entries.splice(i, 1)
    return true
  }

  /** Whether nothing is left in the window (the owner may then drop its state). */
  empty(now: number, windowMs: number): boolean {
    return this.#live(now, windowMs).length === 0
  }
}
