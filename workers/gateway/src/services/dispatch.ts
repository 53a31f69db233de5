import type { Context } from 'hono'
import { TranslationError } from '../dialects/common'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import type { ProviderAdapter, Target, UpstreamCall } from '../providers/types'
import { guardedCall, noTargetAvailable } from './guarded-call'
import { decideRetry, retryAfterMs, retryableStatus } from './retry-plan'
import type { ResolvedRoute, RoutePlan } from './routing'
import { upstreamFailure } from './upstream'

/** Failures another target (or another try) may not share: the provider's, not the client's. */
const FAILOVER = new Set(['upstream_error', 'upstream_timeout', 'rate_limited'])

export interface Dispatched {
  adapter: ProviderAdapter
  target: Target
  res: Response
  /** Requests actually sent upstream (targets skipped by an open breaker do not count). */
  attempts: number
  /** For a stream: tell the target's breaker how it ended. */
  streamDone?: (failed: boolean) => void
}

export interface DispatchOptions {
  /** The answer streams: attempt timeouts bound its headers only. */
  streams: boolean
  random?: () => number
  sleep?: (ms: number) => Promise<void>
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Sends a request down its plan: each target in order (a pool in weighted random order, then
 * the fallbacks), retrying one target with backoff and jitter while its failures are worth
 * repeating (429, 5xx, timeout, connection failure; never sooner than its Retry-After), and
 * moving on while the failure is the provider's. An open breaker skips its target at once.
 * `attemptMs` bounds each try, `totalMs` all of them with their waits. Everything here happens
 * before the first byte reaches the client, so a stream only ever fails over before it starts.
 * When all fail the client sees the last failure; when every target was skipped, 503
 * `no_target_available`.
 */
export async function dispatch(
  c: Context<AppEnv>,
  plan: Pick<RoutePlan, 'chain' | 'retry' | 'timeouts'>,
  build: (route: ResolvedRoute) => UpstreamCall,
  options: DispatchOptions
): Promise<Dispatched> {
  const { retry, timeouts } = plan
  const random = options.random ?? Math.random
  const sleep = options.sleep ?? pause
  const deadline = Date.now() + timeouts.totalMs
  let attempts = 0
  let last: GatewayError | undefined
  let lastRetryAfter: number | undefined
  const skipped: string[] = []
  let earliest = Infinity
  let ranOut = false

  targets: for (const route of plan.chain) {
    let call: UpstreamCall
    try {
      call = build(route)
    } catch (cause) {
      // A request this provider cannot express (e.g. n > 1 for Anthropic) is the client's to
      // fix, unless a fallback can express it.
      if (!(cause instanceof TranslationError)) throw cause
      last = new GatewayError('invalid_request', cause.message, { cause })
      continue
    }
    for (let k = 0; ; k++) {
      const remaining = deadline - Date.now()
      if (remaining <= 0) {
        ranOut = true
        break targets
      }
      let failure: GatewayError
      let status: number | undefined
      let retryAfter: number | undefined
      try {
        const r = await guardedCall(
          c,
          route.target,
          call,
          Math.min(timeouts.attemptMs, remaining),
          options.streams
        )
        if (!r.sent) {
          skipped.push(route.target.upstream)
          earliest = Math.min(earliest, r.retryAt)
          continue targets
        }
        attempts++
        if (r.res.ok) {
          const { adapter, target } = route
          return { adapter, target, res: r.res, attempts, streamDone: r.streamDone }
        }
        status = r.res.status
        retryAfter = retryAfterMs(r.res.headers, Date.now())
        failure = await upstreamFailure(r.res, route.adapter)
      } catch (err) {
        if (!(err instanceof GatewayError) || !FAILOVER.has(err.code)) throw err
        attempts++
        failure = err
      }
      if (!FAILOVER.has(failure.code)) throw failure
      last = failure
      lastRetryAfter = retryAfter
      if (status !== undefined && !retryableStatus(status)) continue targets
      const d = decideRetry(k, retry, retryAfter, deadline - Date.now(), random)
      if (!d.retry) {
        ranOut ||= d.why === 'no time left'
        continue targets
      }
      await sleep(d.delayMs)
    }
  }

  c.header('x-trueport-attempts', String(attempts))
  if (ranOut && (!last || last.code === 'upstream_timeout')) {
    throw new GatewayError(
      'upstream_timeout',
      `no upstream answered within the request's ${timeouts.totalMs} ms (${attempts} attempts)`,
      { cause: last }
    )
  }
  if (!last) {
    throw noTargetAvailable(c, skipped, earliest === Infinity ? Date.now() : earliest)
  }
  // The provider's own wait, passed on where it still means something to the client.
  if (
    lastRetryAfter !== undefined &&
    (last.code === 'rate_limited' || last.code === 'upstream_error')
  )
    c.header('retry-after', String(Math.max(1, Math.ceil(lastRetryAfter / 1000))))
  throw last
}
