import underPressure from '@fastify/under-pressure'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config'
import { authPlugin } from './plugins/auth'
import { ingestPlugin } from './plugins/ingest'
import { modelsPlugin } from './plugins/models'
import { mongoPlugin } from './plugins/mongo'
import { alertRoutes } from './routes/alerts'
import { detectRoutes } from './routes/detect'
import { healthRoutes } from './routes/health'
import { violationRoutes } from './routes/violations'

/**
 * Builds the analytics app without listening, so tests drive it with `app.inject()` and
 * server.ts only adds process concerns. Plugins register in this order: saturation guard,
 * storage, authentication, ingestion, routes.
 */
export async function buildApp(
  config: Config,
  options: FastifyServerOptions = {}
): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: config.logLevel }, ...options })

  // Set before any plugin registers: Fastify contexts inherit the handlers they find.
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: {
        message: `no route for ${req.method} ${req.url}`,
        type: 'invalid_request_error',
        code: 'not_found',
      },
    })
  )
  app.setErrorHandler(
    (err: { statusCode?: number; code?: string; message: string }, req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500
      if (status >= 500) req.log.error({ err }, 'request failed')
      return reply.code(status).send({
        error: {
          message: status >= 500 ? 'internal error' : err.message,
          type: status >= 500 ? 'api_error' : 'invalid_request_error',
          code: err.code ?? (status >= 500 ? 'internal_error' : 'invalid_request'),
        },
      })
    }
  )

  // Saturation becomes 503 + Retry-After instead of a slow death; probes stay exempt.
  await app.register(underPressure, {
    maxEventLoopDelay: 1_000,
    retryAfter: 5,
    exposeStatusRoute: false,
  })
  await app.register(mongoPlugin, { config })
  await app.register(authPlugin, { config })
  await app.register(modelsPlugin, { config })
  await app.register(ingestPlugin, { config })
  await app.register(healthRoutes, { config })
  await app.register(violationRoutes)
  await app.register(detectRoutes)
  await app.register(alertRoutes)

  return app
}
