import { DurableObject } from 'cloudflare:workers'
import { SlidingWindow, type AdmitResult, type WindowLimits } from './lib/sliding-window'

/**
 * One rate-limit window (an API key's, or a tenant's): requests and tokens per minute. The state
 * is memory only: a window is a minute long, and an object is evicted only after it has been
 * idle for longer than that, so there is nothing worth persisting. Calls run one at a time,
 * which is what makes admission exact under concurrency.
 */
export class RateLimiterDO extends DurableObject<Env> {
  readonly #window = new SlidingWindow()

  /** Admits one request reserving `estimate` tokens, or refuses it with the wait. */
  acquire(id: string, estimate: number, limits: WindowLimits): AdmitResult {
    return this.#window.admit(id, estimate, Date.now(), limits)
  }

  /** Replaces the request's reserved estimate with the tokens it used. */
  settle(id: string, tokens: number): boolean {
    return this.#window.settle(id, tokens)
  }

  /** Settles many requests at once (the gateway gathers concurrent requests' settles). */
  settleMany(items: { id: string; tokens: number }[]): number {
    return items.filter((i) => this.#window.settle(i.id, i.tokens)).length
  }

  /** Takes back an admission that another window refused. */
  release(id: string): boolean {
    return this.#window.release(id)
  }
}
