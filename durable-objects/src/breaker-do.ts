import { DurableObject } from 'cloudflare:workers'
import {
  admit,
  closedBreaker,
  record,
  recordSuccesses,
  type Admission,
  type BreakerConfig,
  type BreakerState,
} from './lib/circuit-breaker'

/** One isolate's report: the successes since its last report, then one attempt's outcome. */
export interface BreakerReport {
  successes: number
  /** Absent when the report only carries successes (a probe's success, or a flush). */
  failed?: boolean
  probe: boolean
}

/**
 * The authoritative circuit breaker of one upstream (a provider endpoint, region or deployment).
 * Isolates keep a cached copy and call here only when something went wrong or when an open
 * breaker's time is up; the state machine itself is the pure ./lib/circuit-breaker. Memory
 * only: an object idle long enough to be evicted has outlived any open period, and a fresh one
 * starts CLOSED, which is where a probe would have taken it.
 */
export class BreakerDO extends DurableObject<Env> {
  #state: BreakerState = closedBreaker(Date.now())

  state(): BreakerState {
    return this.#state
  }

  /** Who may send now; moving OPEN to HALF_OPEN makes exactly one caller the probe. */
  admit(cfg: BreakerConfig): Admission {
    const a = admit(this.#state, Date.now(), cfg)
    this.#state = a.state
    return a
  }

  report(r: BreakerReport, cfg: BreakerConfig): BreakerState {
    const now = Date.now()
    let s = recordSuccesses(this.#state, r.successes, now, cfg)
    if (r.failed !== undefined) s = record(s, r.failed, r.probe, now, cfg)
    else if (r.probe) s = record(s, false, true, now, cfg)
    this.#state = s
    return s
  }
}
