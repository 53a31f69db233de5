import { ChatCompletionRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { errorBody, GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import { guardSseStream } from '../lib/sse-guard'
import { callUpstream, upstreamFailure, type UpstreamConfig } from '../services/upstream'

/** The upstream this deployment forwards to, from vars and secrets. */
export function upstreamConfig(env: AppEnv['Bindings']): UpstreamConfig {
  return {
    baseUrl: env.UPSTREAM_OPENAI_BASE_URL,
    apiKey: env.UPSTREAM_OPENAI_API_KEY,
    timeoutMs: Number(env.UPSTREAM_TIMEOUT_MS) || 60_000,
  }
}

/** POST /v1/chat/completions in the OpenAI dialect, streaming and not. */
export const chatRoutes = new Hono<AppEnv>().post('/chat/completions', async (c) => {
  const body = await readJson(c, ChatCompletionRequest)
  if (body.stream) {
    // Usage is only sent in a stream when asked for; the gateway always needs it.
    body.stream_options = { ...body.stream_options, include_usage: true }
  }
  const res = await callUpstream(upstreamConfig(c.env), '/chat/completions', {
    method: 'POST',
    body: JSON.stringify(body),
    signal: c.req.raw.signal,
  })
  if (!res.ok) throw await upstreamFailure(res)
  if (!res.body) throw new GatewayError('upstream_error', 'upstream sent an empty response')

  // c.header/c.body (not a bare Response) so headers set by middleware, such as the request id, survive.
  c.header('x-trueport-provider', 'openai')
  c.header('x-trueport-model', body.model)
  if (!body.stream) {
    c.header('content-type', 'application/json')
    return c.body(res.body, 200)
  }
  c.header('content-type', 'text/event-stream')
  c.header('cache-control', 'no-cache')
  const requestId = c.get('requestId')
  const stream = guardSseStream(
    res.body as ReadableStream<Uint8Array>,
    () =>
      `data: ${JSON.stringify(errorBody('upstream_error', 'upstream stream failed mid-response', requestId))}\n\n`
  )
  return c.body(stream, 200)
})
