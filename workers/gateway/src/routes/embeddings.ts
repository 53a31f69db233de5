import { EmbeddingsRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import { costOf } from '../services/pricing'
import { planFor, serverTiming } from '../services/chat'
import { dispatch } from '../services/dispatch'

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
  const { adapter, target, res, attempts } = await dispatch(
    c,
    { ...plan, chain: own },
    (r) => {
      const call = r.adapter.embeddings?.(body, r.target)
      if (!call) throw new Error(`${r.adapter.id} has no embeddings`) // checked above
      return call
    },
    { streams: false }
  )
  const upstreamMs = performance.now() - started
  const json = await res.json<{ usage?: { prompt_tokens?: number } }>()
  const prompt = json.usage?.prompt_tokens ?? 0
  const cost = costOf(target.model, {
    prompt_tokens: prompt,
    completion_tokens: 0,
    total_tokens: prompt,
  })
  c.header('x-trueport-provider', adapter.id)
  c.header('x-trueport-model', target.model)
  c.header('x-trueport-attempts', String(attempts))
  c.header('x-trueport-usage-prompt-tokens', String(prompt))
  if (cost) c.header('x-trueport-cost-micro-usd', String(cost.microUsd))
  c.header('server-timing', serverTiming(started, upstreamMs))
  return c.json(json)
})
