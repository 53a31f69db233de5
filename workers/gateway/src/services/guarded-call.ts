import { breakerConfig } from '@trueport/durable-objects'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import type { Target, UpstreamCall } from '../providers/types'
import { BreakerBoard, durableBreakers } from './breakers'
import { callUpstream } from './upstream'

/** This isolate's breakers, shared by every request it serves. */
const board = new BreakerBoard()

/**
 * One upstream attempt behind the target's circuit breaker: refused at once (503, with
 * Retry-After) while the breaker is open, otherwise sent, with its outcome recorded. Reports
 * to the breaker object go out in waitUntil, never in the response's way.
 */
export async function guardedCall(
  c: Context<AppEnv>,
  target: Target,
  call: Pick<UpstreamCall, 'url' | 'method' | 'headers'> & { body?: BodyInit | undefined },
  timeoutMs: number
): Promise<Response> {
  const cfg = breakerConfig(target.config.breaker)
  const remote = durableBreakers(c.env)
  const ticket = await board.admit(remote, target.upstream, cfg)
  if (!ticket.allowed) {
    const wait = Math.max(1, Math.ceil(((ticket.retryAt ?? Date.now()) - Date.now()) / 1000))
    c.header('retry-after', String(wait))
    throw new GatewayError(
      'upstream_unavailable',
      `upstream "${target.upstream}" is failing; its circuit breaker is open`
    )
  }
  const settle = (outcome: Parameters<BreakerBoard['outcome']>[3]) => {
    const report = board.outcome(remote, target.upstream, ticket, outcome, cfg)
    if (report) c.executionCtx.waitUntil(report)
  }
  let res: Response
  try {
    res = await callUpstream(call, timeoutMs)
  } catch (err) {
    settle({
      error: err instanceof GatewayError && err.code === 'upstream_timeout' ? 'timeout' : 'network',
    })
    throw err
  }
  settle({ status: res.status })
  return res
}
