import type { HealthResponse } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'

/** GET /healthz: liveness of the Worker itself; touches no binding. */
export const healthRoutes = new Hono<AppEnv>().get('/healthz', (c) =>
  c.json({
    status: 'ok',
    service: 'gateway',
    version: c.env.GATEWAY_VERSION,
  } satisfies HealthResponse)
)
