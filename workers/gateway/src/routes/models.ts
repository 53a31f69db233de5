import type { ModelEntry } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { routingTable } from '../services/routing'

/**
 * GET /v1/models: the model names this gateway routes. Per-key model scopes narrow this list
 * once policies exist; prefix patterns (`claude-*`) are accepted but not listed.
 */
export const modelRoutes = new Hono<AppEnv>().get('/models', (c) => {
  const data: ModelEntry[] = routingTable(c.env.PROVIDERS)
    .models()
    .map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.upstream }))
  return c.json({ object: 'list', data })
})
