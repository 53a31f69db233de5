import { EmbeddingsRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import { costOf } from '../services/pricing'
import { planFor, serverTiming } from '../services/chat'
import { dispatch } from '../services/dispatch'
import { embeddingsWorstCase, reserveBudget } from '../services/budget'

/**
 * POST /v1/embeddings, for providers with an OpenAI-compatible embeddings endpoint. A pool is
 * balanced and retried like chat, but fallbacks are not used: another model's vectors would not
 * be comparable with the ones the client already stored.
 */
export const embeddingsRoutes = new Hono<AppEnv>().post('/embeddings', async (c) => {
  const started = performance.now()
  const body = await readJson(c, EmbeddingsRequest)
  const plan = planFor(c, body.model)
  const own = plan.chain.slice(0, plan.own)
  const unable = own.find((r) => !r.adapter.embeddings)
  if (unable) {
    throw new GatewayError(
      'invalid_request',
      `provider ${unable.adapter.id} offers no embeddings`,
      { param: 'model' }
    )
  }
  const priced = own[0]?.target.model ?? body.model
  const budget = await reserveBudget(c, priced, embeddingsWorstCase(priced, body.input))
  let sent: Awaited<ReturnType<typeof dispatch>>
  try {
    sent = await dispatch(
      c,
      { ...plan, chain: own },
      (r) => {
        const call = r.adapter.embeddings?.(body, r.target)
        if (!call) throw new Error(`${r.adapter.id} has no embeddings`) // checked above
        return call
      },
      { streams: false }
    )
  } catch (err) {
    budget?.release()
    throw err
  }
  const { adapter, target, res, attempts } = sent
  const upstreamMs = performance.now() - started
  let json: { usage?: { prompt_tokens?: number } }
  try {
    json = await res.json()
  } catch (cause) {
    budget?.settleWorst()
    throw new GatewayError('upstream_error', 'upstream sent an unreadable response', { cause })
  }
  const prompt = json.usage?.prompt_tokens
  const usage = { prompt_tokens: prompt ?? 0, completion_tokens: 0, total_tokens: prompt ?? 0 }
  if (prompt === undefined) budget?.settleWorst()
  else budget?.settle(usage)
  c.get('settleTokens')?.(usage.total_tokens)
  const cost = costOf(target.model, usage)
  c.header('x-trueport-provider', adapter.id)
  c.header('x-trueport-model', target.model)
  c.header('x-trueport-attempts', String(attempts))
  c.header('x-trueport-usage-prompt-tokens', String(usage.prompt_tokens))
  if (cost) c.header('x-trueport-cost-micro-usd', String(cost.microUsd))
  c.header('server-timing', serverTiming(started, upstreamMs))
  return c.json(json)
})
