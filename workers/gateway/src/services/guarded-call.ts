import { breakerConfig } from '@trueport/durable-objects'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import type { Target } from '../providers/types'
import { BreakerBoard, durableBreakers } from './breakers'
import { callUpstream, type OutboundCall } from './upstream'

/** This isolate's breakers, shared by every request it serves. */
const board = new BreakerBoard()

export type GuardedResult =
  | {
      sent: true
      res: Response
      /**
       * Present for a stream that answered 2xx: the breaker hears its outcome only when it ends,
       * so a stream cut mid-way counts as the failure it is.
       */
      streamDone?: (failed: boolean) => void
    }
  /** The target's breaker is open: nothing was sent. `retryAt` is when it lets a probe through. */
  | { sent: false; retryAt: number }

/**
 * One upstream attempt behind the target's circuit breaker: refused at once while the breaker
 * is open, otherwise sent, with its outcome recorded. Reports to the breaker object go out in
 * waitUntil, never in the response's way.
 */
export async function guardedCall(
  c: Context<AppEnv>,
  target: Target,
  call: OutboundCall,
  timeoutMs: number,
  streams = false
): Promise<GuardedResult> {
  const cfg = breakerConfig(target.config.breaker)
  const remote = durableBreakers(c.env)
  const ticket = await board.admit(remote, target.upstream, cfg)
  if (!ticket.allowed) return { sent: false, retryAt: ticket.retryAt ?? Date.now() }
  const settle = (outcome: Parameters<BreakerBoard['outcome']>[3]) => {
    const report = board.outcome(remote, target.upstream, ticket, outcome, cfg)
    if (report) c.executionCtx.waitUntil(report)
  }
  let res: Response
  try {
    res = await callUpstream(call, timeoutMs, streams)
  } catch (err) {
    settle({
      error: err instanceof GatewayError && err.code === 'upstream_timeout' ? 'timeout' : 'network',
    })
    throw err
  }
  if (!streams || !res.ok) {
    settle({ status: res.status })
    return { sent: true, res }
  }
  let reported = false
  const streamDone = (failed: boolean) => {
    if (reported) return
    reported = true
    settle(failed ? { error: 'network' } : { status: res.status })
  }
  return { sent: true, res, streamDone }
}

/** Refuses a request none of whose targets can take it now, with the earliest retry time. */
export function noTargetAvailable(
  c: Context<AppEnv>,
  upstreams: string[],
  retryAt: number
): GatewayError {
  const wait = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000))
  c.header('retry-after', String(wait))
  const names = upstreams.map((u) => `"${u}"`).join(', ')
  return new GatewayError(
    'no_target_available',
    `no upstream can take this request now: the circuit breaker of ${names} is open`
  )
}
