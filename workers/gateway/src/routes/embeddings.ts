import { EmbeddingsRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import { costOf } from '../services/pricing'
import { resolveRoute, serverTiming, upstreamTimeout } from '../services/chat'
import { guardedCall } from '../services/guarded-call'
import { upstreamFailure } from '../services/upstream'

/** POST /v1/embeddings, for providers with an OpenAI-compatible embeddings endpoint. */
export const embeddingsRoutes = new Hono<AppEnv>().post('/embeddings', async (c) => {
  const started = performance.now()
  const body = await readJson(c, EmbeddingsRequest)
  const { adapter, target } = resolveRoute(c, body.model)
  if (!adapter.embeddings) {
    throw new GatewayError('invalid_request', `provider ${adapter.id} offers no embeddings`, {
      param: 'model',
    })
  }
  const res = await guardedCall(c, target, adapter.embeddings(body, target), upstreamTimeout(c.env))
  const upstreamMs = performance.now() - started
  if (!res.ok) throw await upstreamFailure(res, adapter)
  const json = await res.json<{ usage?: { prompt_tokens?: number } }>()
  const prompt = json.usage?.prompt_tokens ?? 0
  const cost = costOf(target.model, {
    prompt_tokens: prompt,
    completion_tokens: 0,
    total_tokens: prompt,
  })
  c.header('x-trueport-provider', adapter.id)
  c.header('x-trueport-model', target.model)
  c.header('x-trueport-attempts', '1')
  c.header('x-trueport-usage-prompt-tokens', String(prompt))
  if (cost) c.header('x-trueport-cost-micro-usd', String(cost.microUsd))
  c.header('server-timing', serverTiming(started, upstreamMs))
  return c.json(json)
})
