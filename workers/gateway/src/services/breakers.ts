import {
  admit,
  breakerStub,
  closedBreaker,
  isFailure,
  record,
  recordSuccesses,
  type AttemptOutcome,
  type BreakerConfig,
  type BreakerState,
} from '@trueport/durable-objects'

/** How an isolate reaches an upstream's authoritative breaker. */
export interface BreakerRemote {
  admit(
    upstream: string,
    cfg: BreakerConfig
  ): Promise<{ allowed: boolean; probe: boolean; state: BreakerState; retryAt: number | null }>
  report(
    upstream: string,
    r: { successes: number; failed?: boolean; probe: boolean },
    cfg: BreakerConfig
  ): Promise<BreakerState>
}

export const durableBreakers = (env: Pick<Env, 'BREAKER'>): BreakerRemote => ({
  admit: (upstream, cfg) => breakerStub(env, upstream).admit(cfg),
  report: (upstream, r, cfg) => breakerStub(env, upstream).report(r, cfg),
})

interface Local {
  state: BreakerState
  /** Successes since this isolate last reported to the breaker. */
  unreported: number
}

export interface Ticket {
  allowed: boolean
  probe: boolean
  /** When refused: when the breaker lets a probe through. */
  retryAt: number | null
}

/**
 * This isolate's view of every upstream's breaker. While a breaker is CLOSED the hot path makes
 * no remote call at all: successes are only counted. A failure is applied here at once (so this
 * isolate reacts without waiting) and reported, with the successes counted since, to the
 * breaker object, whose answer replaces the local copy; that is how an upstream failing in
 * every isolate opens within a few requests everywhere. An OPEN breaker is skipped locally until
 * its time is up; then the breaker object picks the one probe.
 */
export class BreakerBoard {
  readonly #local = new Map<string, Local>()

  constructor(private readonly now: () => number = Date.now) {}

  #get(upstream: string): Local {
    let l = this.#local.get(upstream)
    if (!l) {
      l = { state: closedBreaker(this.now()), unreported: 0 }
      this.#local.set(upstream, l)
    }
    return l
  }

  async admit(remote: BreakerRemote, upstream: string, cfg: BreakerConfig): Promise<Ticket> {
    const l = this.#get(upstream)
    if (l.state.phase === 'closed') return { allowed: true, probe: false, retryAt: null }
    const local = admit(l.state, this.now(), cfg)
    if (!local.allowed) return local
    // Its time is up here; the breaker object decides which caller, in any isolate, probes.
    const a = await remote.admit(upstream, cfg)
    l.state = a.state
    return a
  }

  /**
   * Records one attempt. Returns the report to send (to be awaited off the hot path, e.g. in
   * waitUntil), or undefined when there is nothing to say.
   */
  outcome(
    remote: BreakerRemote,
    upstream: string,
    ticket: Ticket,
    outcome: AttemptOutcome,
    cfg: BreakerConfig
  ): Promise<void> | undefined {
    const l = this.#get(upstream)
    const failed = isFailure(outcome, cfg)
    if (!failed && !ticket.probe) {
      l.unreported++
      l.state = recordSuccesses(l.state, 1, this.now(), cfg)
      return undefined
    }
    const successes = l.unreported
    l.unreported = 0
    l.state = record(l.state, failed, ticket.probe, this.now(), cfg)
    return remote.report(upstream, { successes, failed, probe: ticket.probe }, cfg).then(
      (state) => {
        l.state = state
      },
      () => undefined // the breaker object is unreachable: keep the local view
    )
  }
}
