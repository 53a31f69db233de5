import { describe, expect, it } from 'vitest'
import { SlidingWindow, type WindowLimits } from '../src/lib/sliding-window'

const limits: WindowLimits = { requests: 3, tokens: 1_000, windowMs: 60_000 }

describe('sliding window limiter', () => {
  it('admits up to the request limit, then says when the oldest slot frees', () => {
    const w = new SlidingWindow()
    expect(w.admit('a', 10, 0, limits)).toMatchObject({
      allowed: true,
      requests: { limit: 3, remaining: 2 },
      tokens: { limit: 1_000, remaining: 990 },
    })
    w.admit('b', 10, 1_000, limits)
    w.admit('c', 10, 2_000, limits)
    const refused = w.admit('d', 10, 3_000, limits)
    expect(refused).toMatchObject({ allowed: false, exceeded: 'requests', retryAfterMs: 57_000 })
    expect(refused.requests.remaining).toBe(0)
  })

  it('slides: a request leaves the window exactly windowMs after it was admitted', () => {
    const w = new SlidingWindow()
    for (const [i, id] of ['a', 'b', 'c'].entries()) w.admit(id, 1, i * 10_000, limits)
    expect(w.admit('d', 1, 59_999, limits).allowed).toBe(false)
    expect(w.admit('d', 1, 60_000, limits).allowed).toBe(true)
    expect(w.admit('e', 1, 60_001, limits).allowed).toBe(false)
  })

  it('refuses on tokens when the reserved estimate does not fit', () => {
    const w = new SlidingWindow()
    expect(w.admit('a', 700, 0, limits).allowed).toBe(true)
    const refused = w.admit('b', 400, 5_000, limits)
    expect(refused).toMatchObject({ allowed: false, exceeded: 'tokens', retryAfterMs: 55_000 })
    expect(refused.tokens.remaining).toBe(300)
  })

  it('settling replaces the estimate with the actual tokens, freeing the difference', () => {
    const w = new SlidingWindow()
    w.admit('a', 900, 0, limits)
    expect(w.admit('b', 200, 1, limits).allowed).toBe(false)
    expect(w.settle('a', 100)).toBe(true)
    expect(w.admit('b', 200, 2, limits)).toMatchObject({
      allowed: true,
      tokens: { remaining: 700 },
    })
    expect(w.settle('missing', 5)).toBe(false)
  })

  it('an estimate larger than the whole allowance passes only into an empty window', () => {
    const w = new SlidingWindow()
    expect(w.admit('big', 5_000, 0, limits).allowed).toBe(true)
    expect(w.admit('next', 1, 1, limits).allowed).toBe(false)
  })

  it('zero limits mean unlimited', () => {
    const w = new SlidingWindow()
    const open = { requests: 0, tokens: 0, windowMs: 60_000 }
    for (let i = 0; i < 1_000; i++) expect(w.admit(`r${i}`, 1_000, i, open).allowed).toBe(true)
  })

  it('reports reset as the time until the window is back to its full allowance', () => {
    const w = new SlidingWindow()
    w.admit('a', 10, 0, limits)
    const r = w.admit('b', 10, 20_000, limits)
    expect(r.requests.resetMs).toBe(60_000)
    expect(r.tokens.resetMs).toBe(60_000)
    expect(w.empty(79_999, limits.windowMs)).toBe(false)
    expect(w.empty(80_000, limits.windowMs)).toBe(true)
  })
})

describe('sliding window release', () => {
  it('takes an admission back entirely', () => {
    const w = new SlidingWindow()
    w.admit('a', 10, 0, limits)
    w.admit('b', 10, 0, limits)
    w.admit('c', 10, 0, limits)
    expect(w.admit('d', 10, 1, limits).allowed).toBe(false)
    expect(w.release('b')).toBe(true)
    expect(w.release('b')).toBe(false)
    expect(w.admit('d', 10, 2, limits).allowed).toBe(true)
  })
})

describe('sliding window at volume', () => {
  it('keeps exact totals over 100k admissions, settlements, releases and expiry', () => {
    const w = new SlidingWindow()
    const l = { requests: 0, tokens: 0, windowMs: 50_000 }
    for (let i = 0; i < 100_000; i++) {
      expect(w.admit(`r${i}`, 10, i, l).allowed).toBe(true)
      if (i % 3 === 0) w.settle(`r${i}`, 1)
      if (i % 7 === 0) w.release(`r${i}`)
    }
    // At t = 100000 an entry admitted at i is live while i + 50000 > 100000.
    let live = 0
    let tokens = 0
    for (let i = 50_001; i < 100_000; i++) {
      if (i % 7 === 0) continue
      live++
      tokens += i % 3 === 0 ? 1 : 10
    }
    const exact = { requests: live + 1, tokens: tokens + 10, windowMs: 50_000 }
    expect(w.admit('fits', 10, 100_000, exact)).toMatchObject({
      allowed: true,
      requests: { remaining: 0 },
      tokens: { remaining: 0 },
    })
    expect(w.admit('over', 1, 100_000, { ...exact, requests: 0 }).allowed).toBe(false)
  })
})
