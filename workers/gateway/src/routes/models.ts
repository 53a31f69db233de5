import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { callUpstream, upstreamFailure } from '../services/upstream'
import { upstreamConfig } from './chat'

/** GET /v1/models: the models the upstream offers (per-key model scopes arrive with policies). */
export const modelRoutes = new Hono<AppEnv>().get('/models', async (c) => {
  const res = await callUpstream(upstreamConfig(c.env), '/models', {
    method: 'GET',
    signal: c.req.raw.signal,
  })
  if (!res.ok) throw await upstreamFailure(res)
  c.header('content-type', 'application/json')
  return c.body(await res.text(), 200)
})
