import { describe, expect, it } from 'vitest'
import {
  admit,
  closedBreaker,
  DEFAULT_BREAKER,
  isFailure,
  record,
  type BreakerConfig,
  type BreakerState,
} from '../src/lib/circuit-breaker'

const cfg: BreakerConfig = { ...DEFAULT_BREAKER, minRequests: 10, failureRate: 0.5 }

/** Applies a run of outcomes (true = failure) one millisecond apart. */
function run(s: BreakerState, outcomes: boolean[], start = 0): BreakerState {
  return outcomes.reduce((acc, failed, i) => record(acc, failed, false, start + i, cfg), s)
}

describe('circuit breaker state machine', () => {
  it('opens after the threshold of consecutive failures, not before', () => {
    const four = run(closedBreaker(0), [true, true, true, true])
    expect(four.phase).toBe('closed')
    const five = record(four, true, false, 10, cfg)
    expect(five.phase).toBe('open')
    expect(five.openedAt).toBe(10)
  })

  it('a success resets the consecutive count', () => {
    const s = run(closedBreaker(0), [true, true, true, true, false, true, true, true, true])
    expect(s.phase).toBe('closed')
    expect(s.consecutiveFailures).toBe(4)
  })

  it('opens on the failure rate once the window holds enough requests', () => {
    // Alternating failures never reach 5 in a row, but are 50% of the window.
    const outcomes = Array.from({ length: 9 }, (_, i) => i % 2 === 0)
    const nine = run(closedBreaker(0), outcomes)
    expect(nine.phase).toBe('closed') // 9 < minRequests
    expect(record(nine, true, false, 20, cfg).phase).toBe('open')
  })

  it('starts a new rate window after windowMs', () => {
    const s = run(closedBreaker(0), [true, false, true, false, true, false, true, false, true])
    const later = record(s, true, false, cfg.windowMs + 100, cfg)
    expect(later.phase).toBe('closed')
    expect(later.windowRequests).toBe(1)
  })

  it('refuses requests while open and reports when a probe will be allowed', () => {
    const opened = run(closedBreaker(0), [true, true, true, true, true])
    const a = admit(opened, 1_000, cfg)
    expect(a.allowed).toBe(false)
    expect(a.retryAt).toBe((opened.openedAt ?? 0) + cfg.openMs)
  })

  it('after openMs lets exactly one probe through (HALF_OPEN)', () => {
    const opened = run(closedBreaker(0), [true, true, true, true, true])
    const t = (opened.openedAt ?? 0) + cfg.openMs
    const first = admit(opened, t, cfg)
    expect(first).toMatchObject({ allowed: true, probe: true })
    expect(first.state.phase).toBe('half_open')
    const second = admit(first.state, t + 1, cfg)
    expect(second.allowed).toBe(false)
  })

  it('a successful probe closes the breaker; a failed one re-opens it', () => {
    const opened = run(closedBreaker(0), [true, true, true, true, true])
    const probing = admit(opened, 40_000, cfg).state
    expect(record(probing, false, true, 40_010, cfg)).toEqual(closedBreaker(40_010))
    const reopened = record(probing, true, true, 40_010, cfg)
    expect(reopened.phase).toBe('open')
    expect(reopened.openedAt).toBe(40_010)
    expect(admit(reopened, 40_011, cfg).allowed).toBe(false)
  })

  it('ignores late outcomes of requests sent before the breaker opened', () => {
    const opened = run(closedBreaker(0), [true, true, true, true, true])
    expect(record(opened, true, false, 5, cfg)).toBe(opened)
    expect(record(opened, false, false, 5, cfg)).toBe(opened)
    const probing = admit(opened, 40_000, cfg).state
    expect(record(probing, false, false, 40_001, cfg)).toBe(probing)
  })

  it('replaces a probe that never reported after probeTimeoutMs', () => {
    const opened = run(closedBreaker(0), [true, true, true, true, true])
    const probing = admit(opened, 40_000, cfg).state
    expect(admit(probing, 40_000 + cfg.probeTimeoutMs - 1, cfg).allowed).toBe(false)
    expect(admit(probing, 40_000 + cfg.probeTimeoutMs, cfg)).toMatchObject({
      allowed: true,
      probe: true,
    })
  })

  it('counts configured statuses, timeouts and network errors as failures', () => {
    expect(isFailure({ status: 503 }, cfg)).toBe(true)
    expect(isFailure({ status: 400 }, cfg)).toBe(false)
    expect(isFailure({ status: 429 }, cfg)).toBe(false)
    expect(isFailure({ status: 429 }, { ...cfg, failureStatuses: [429] })).toBe(true)
    expect(isFailure({ error: 'timeout' }, cfg)).toBe(true)
    expect(isFailure({ error: 'network' }, cfg)).toBe(true)
  })
})
