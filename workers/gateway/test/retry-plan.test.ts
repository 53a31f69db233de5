import { describe, expect, it } from 'vitest'
import {
  backoffMs,
  decideRetry,
  retryAfterMs,
  retryableStatus,
  weightedOrder,
} from '../src/services/retry-plan'

const policy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 }

describe('weighted order', () => {
  it('puts each member first in proportion to its weight and never picks a drained one', () => {
    const pool = [
      { id: 'a', weight: 1 },
      { id: 'b', weight: 2 },
      { id: 'c', weight: 7 },
      { id: 'off', weight: 0 },
    ]
    const first: Record<string, number> = { a: 0, b: 0, c: 0, off: 0 }
    let seed = 42
    // A small deterministic generator, so the proportions are reproducible.
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let i = 0; i < 10_000; i++) {
      const order = weightedOrder(pool, random)
      expect(order.map((t) => t.id).sort()).toEqual(['a', 'b', 'c'])
      const id = order[0]?.id ?? 'none'
      first[id] = (first[id] ?? 0) + 1
    }
    expect((first.a ?? 0) / 10_000).toBeCloseTo(0.1, 1)
    expect((first.b ?? 0) / 10_000).toBeCloseTo(0.2, 1)
    expect((first.c ?? 0) / 10_000).toBeCloseTo(0.7, 1)
    expect(first.off).toBe(0)
  })

  it('leaves a single member alone', () => {
    expect(weightedOrder([{ weight: 5 }])).toEqual([{ weight: 5 }])
  })
})

describe('backoff', () => {
  it('grows exponentially with full jitter, capped', () => {
    expect(backoffMs(0, policy, () => 0.999)).toBe(99)
    expect(backoffMs(2, policy, () => 0.999)).toBe(399)
    expect(backoffMs(8, policy, () => 0.999)).toBe(999)
    expect(backoffMs(3, policy, () => 0)).toBe(0)
  })
})

describe('retry-after', () => {
  const now = Date.parse('2026-12-02T00:00:00Z')
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }), now)).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 02 Dec 2026 00:00:03 GMT' }), now)).toBe(
      3000
    )
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined()
    expect(retryAfterMs(new Headers(), now)).toBeUndefined()
  })
})

describe('retry decisions', () => {
  it('retries within the attempts, never sooner than Retry-After', () => {
    expect(decideRetry(0, policy, undefined, 10_000, () => 0.5)).toEqual({
      retry: true,
      delayMs: 50,
    })
    expect(decideRetry(0, policy, 2000, 10_000, () => 0.5)).toEqual({ retry: true, delayMs: 2000 })
    expect(decideRetry(3, policy, undefined, 10_000)).toMatchObject({ retry: false })
  })

  it('moves on when the provider asks for too long a wait or the deadline is near', () => {
    expect(decideRetry(0, policy, 6000, 60_000)).toEqual({
      retry: false,
      why: 'retry-after too long',
    })
    expect(decideRetry(0, policy, 2000, 1500)).toEqual({ retry: false, why: 'no time left' })
  })

  it('knows which statuses are worth repeating', () => {
    expect([408, 429, 500, 502, 503, 504, 529].every(retryableStatus)).toBe(true)
    expect([400, 401, 403, 404, 422, 501].some(retryableStatus)).toBe(false)
  })
})
