import type { ChatCompletionRequest } from '@trueport/contracts'
import type { Context } from 'hono'
import { TranslationError } from '../dialects/common'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import type { ProviderAdapter, Target } from '../providers/types'
import { guardedCall } from './guarded-call'
import type { ResolvedRoute } from './routing'
import { upstreamFailure } from './upstream'

/** Failures another target may not share: the provider's, not the client's. */
const FAILOVER = new Set([
  'upstream_unavailable',
  'upstream_error',
  'upstream_timeout',
  'rate_limited',
])

export interface Dispatched {
  adapter: ProviderAdapter
  target: Target
  res: Response
  /** Requests actually sent upstream (targets skipped by an open breaker do not count). */
  attempts: number
}

/**
 * Sends a chat request down its route chain: the primary target, then each fallback while the
 * previous one failed in a way another might not (5xx, 429, timeout, connection failure, open
 * breaker). Everything here happens before the first byte reaches the client, so a stream only
 * ever fails over before it starts. The last failure is what the client sees when all fail.
 */
export async function dispatchChat(
  c: Context<AppEnv>,
  chain: ResolvedRoute[],
  req: ChatCompletionRequest,
  timeoutMs: number
): Promise<Dispatched> {
  let attempts = 0
  let last: unknown
  for (const { adapter, target } of chain) {
    let call: ReturnType<ProviderAdapter['chat']>
    try {
      call = adapter.chat(req, target)
    } catch (cause) {
      // A request this provider cannot express (e.g. n > 1 for Anthropic) is the client's to
      // fix, unless a fallback can express it.
      if (!(cause instanceof TranslationError)) throw cause
      last = new GatewayError('invalid_request', cause.message, { cause })
      continue
    }
    try {
      const res = await guardedCall(c, target, call, timeoutMs)
      attempts++
      if (res.ok) return { adapter, target, res, attempts }
      const failure = await upstreamFailure(res, adapter)
      if (!FAILOVER.has(failure.code)) throw failure
      last = failure
    } catch (err) {
      if (!(err instanceof GatewayError) || !FAILOVER.has(err.code)) throw err
      if (err.code !== 'upstream_unavailable') attempts++
      last = err
    }
  }
  throw last
}
