import type { DependencyStatus, HealthResponse } from '@trueport/contracts'
import type { FastifyPluginAsync } from 'fastify'
import type { Config } from '../config'

const SERVICE = 'analytics'
const VERSION = '0.1.0'

async function checkMongo(
  app: Parameters<FastifyPluginAsync>[0],
  timeoutMs: number
): Promise<DependencyStatus> {
  if (!app.mongo) return { name: 'mongodb', ok: false, detail: 'MONGODB_URL is not configured' }
  try {
    await app.mongo.db.command({ ping: 1 }, { timeoutMS: timeoutMs })
    return { name: 'mongodb', ok: true }
  } catch (err) {
    return { name: 'mongodb', ok: false, detail: (err as Error).message }
  }
}

/**
 * /healthz answers while the process is alive; /readyz only when every dependency the service
 * needs to do its job answers too (503 otherwise, so a load balancer routes elsewhere).
 */
export const healthRoutes: FastifyPluginAsync<{ config: Config }> = async (app, { config }) => {
  app.get(
    '/healthz',
    async () => ({ status: 'ok', service: SERVICE, version: VERSION }) satisfies HealthResponse
  )

  app.get('/readyz', async (_req, reply) => {
    const checks = [await checkMongo(app, config.readinessTimeoutMs)]
    const ready = checks.every((c) => c.ok)
    const body: HealthResponse = {
      status: ready ? 'ok' : 'unavailable',
      service: SERVICE,
      version: VERSION,
      checks,
    }
    return reply.code(ready ? 200 : 503).send(body)
  })
}
