/**
 * The circuit breaker's state machine, pure: no clock, no storage, no I/O. The breaker Durable
 * Object applies it to the outcomes every isolate reports; the gateway applies the same rules to
 * its cached copy so that it can skip an open target without a round trip.
 *
 *   CLOSED --(threshold consecutive failures, or failure rate over the window)--> OPEN
 *   OPEN --(openMs elapsed; the next caller is the probe)--> HALF_OPEN
 *   HALF_OPEN --(probe succeeds)--> CLOSED      HALF_OPEN --(probe fails)--> OPEN
 */

export interface BreakerConfig {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number
  /** Failure rate over the window (0..1) that opens it; 1 disables the rate rule in practice. */
  failureRate: number
  /** Requests the window must hold before the rate rule applies. */
  minRequests: number
  /** Length of the failure-rate window. */
  windowMs: number
  /** How long the breaker stays open before a probe is let through. */
  openMs: number
  /** A probe that has not reported after this long is presumed lost; another may go. */
  probeTimeoutMs: number
  /** Upstream statuses that count as failures (network errors and timeouts always do). */
  failureStatuses: readonly number[]
}

export const DEFAULT_BREAKER: BreakerConfig = {
  failureThreshold: 5,
  failureRate: 0.5,
  minRequests: 20,
  windowMs: 60_000,
  openMs: 30_000,
  probeTimeoutMs: 30_000,
  failureStatuses: [500, 502, 503, 504, 529],
}

export type BreakerPhase = 'closed' | 'open' | 'half_open'

export interface BreakerState {
  phase: BreakerPhase
  consecutiveFailures: number
  windowStart: number
  windowRequests: number
  windowFailures: number
  /** When the breaker last opened (OPEN and HALF_OPEN). */
  openedAt: number | null
  /** When the current probe was let through (HALF_OPEN only). */
  probeAt: number | null
}

export const closedBreaker = (now: number): BreakerState => ({
  phase: 'closed',
  consecutiveFailures: 0,
  windowStart: now,
  windowRequests: 0,
  windowFailures: 0,
  openedAt: null,
  probeAt: null,
})

/** What one upstream attempt came to, as the breaker sees it. */
export type AttemptOutcome = { status: number } | { error: 'timeout' | 'network' }

export function isFailure(outcome: AttemptOutcome, cfg: BreakerConfig): boolean {
  return 'error' in outcome || cfg.failureStatuses.includes(outcome.status)
}

export interface Admission {
  allowed: boolean
  /** This request is the HALF_OPEN probe: its outcome decides the breaker. */
  probe: boolean
  state: BreakerState
  /** When an open breaker will let a probe through (for Retry-After and skipping). */
  retryAt: number | null
}

/** Whether a request may go to the target now; may move OPEN to HALF_OPEN. */
export function admit(s: BreakerState, now: number, cfg: BreakerConfig): Admission {
  if (s.phase === 'closed') return { allowed: true, probe: false, state: s, retryAt: null }
  const reopenAt = (s.openedAt ?? now) + cfg.openMs
  if (s.phase === 'open') {
    if (now < reopenAt) return { allowed: false, probe: false, state: s, retryAt: reopenAt }
    return {
      allowed: true,
      probe: true,
      state: { ...s, phase: 'half_open', probeAt: now },
      retryAt: null,
    }
  }
  // HALF_OPEN: one probe at a time; a probe that never reported is replaced after a timeout.
  if (s.probeAt !== null && now - s.probeAt < cfg.probeTimeoutMs)
    return { allowed: false, probe: false, state: s, retryAt: s.probeAt + cfg.probeTimeoutMs }
  return { allowed: true, probe: true, state: { ...s, probeAt: now }, retryAt: null }
}

const open = (s: BreakerState, now: number): BreakerState => ({
  ...s,
  phase: 'open',
  openedAt: now,
  probeAt: null,
})

/**
 * Applies one attempt's outcome. `probe` says whether it was the HALF_OPEN probe; outcomes of
 * ordinary requests that land while the breaker is not CLOSED (sent before it opened) only
 * count toward nothing, so a burst of late failures cannot keep re-opening it.
 */
export function record(
  s: BreakerState,
  failed: boolean,
  probe: boolean,
  now: number,
  cfg: BreakerConfig
): BreakerState {
  if (s.phase === 'half_open') {
    if (!probe) return s
    return failed ? open(s, now) : closedBreaker(now)
  }
  if (s.phase === 'open') return s

  const fresh = now - s.windowStart >= cfg.windowMs
  const next: BreakerState = {
    ...s,
    consecutiveFailures: failed ? s.consecutiveFailures + 1 : 0,
    windowStart: fresh ? now : s.windowStart,
    windowRequests: (fresh ? 0 : s.windowRequests) + 1,
    windowFailures: (fresh ? 0 : s.windowFailures) + (failed ? 1 : 0),
  }
  const rateTripped =
    next.windowRequests >= cfg.minRequests &&
    next.windowFailures / next.windowRequests >= cfg.failureRate
  return failed && (next.consecutiveFailures >= cfg.failureThreshold || rateTripped)
    ? open(next, now)
    : next
}

/**
 * Successes an isolate saw since its last report, applied before the failure they came with.
 * Isolates report nothing while all is well, so the hot path pays nothing then; these counts
 * keep "consecutive" honest across isolates and feed the rate window.
 */
export function recordSuccesses(
  s: BreakerState,
  n: number,
  now: number,
  cfg: BreakerConfig
): BreakerState {
  if (n <= 0 || s.phase !== 'closed') return s
  const fresh = now - s.windowStart >= cfg.windowMs
  return {
    ...s,
    consecutiveFailures: 0,
    windowStart: fresh ? now : s.windowStart,
    windowRequests: (fresh ? 0 : s.windowRequests) + n,
    windowFailures: fresh ? 0 : s.windowFailures,
  }
}

/** A breaker configuration from defaults and an upstream's overrides. */
export const breakerConfig = (overrides: Partial<BreakerConfig> | undefined): BreakerConfig => ({
  ...DEFAULT_BREAKER,
  ...overrides,
})
