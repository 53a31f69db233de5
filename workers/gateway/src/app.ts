import { Hono, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import type { AppEnv } from './env'
import { GatewayError, renderError } from './errors'
import { apiKeyAuth } from './middleware/api-key-auth'
import { auditTrail } from './middleware/audit-trail'
import { rateLimits } from './middleware/rate-limit'
import { wellKnownRoutes } from './routes/well-known'
import { controlRoutes } from './control/routes'
import { bootstrapRoutes } from './routes/bootstrap'
import { chatRoutes } from './routes/chat'
import { embeddingsRoutes } from './routes/embeddings'
import { geminiRoutes } from './routes/gemini'
import { healthRoutes } from './routes/health'
import { messagesRoutes } from './routes/messages'
import { modelRoutes } from './routes/models'
import { passthroughRoutes } from './routes/passthrough'
import { anthropicSurface } from './surfaces/anthropic'
import { geminiSurface } from './surfaces/gemini'
import type { ClientSurface } from './surfaces/types'

/** Sets the client surface for everything after it, errors included. */
const speaks =
  (surface: ClientSurface): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.set('surface', surface)
    await next()
  }

/** Default request body limit when MAX_BODY_BYTES is unset (4 MiB). */
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

/**
 * The gateway app. Middleware order follows the request path in ARCHITECTURE.md: request id,
 * body-size limit, authentication, rate limits, then the route. Errors are rendered only in `onError`.
 */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  app.use(requestId({ headerName: 'x-request-id', generator: () => crypto.randomUUID() }))
  // The limit is a var, known only per request; one limiter per distinct value is built lazily.
  const limiters = new Map<number, MiddlewareHandler<AppEnv>>()
  const maxBody: MiddlewareHandler<AppEnv> = async function maxBody(c, next) {
    const maxSize = Number(c.env.MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES
    let limiter = limiters.get(maxSize)
    if (!limiter) {
      limiter = bodyLimit({
        maxSize,
        onError: () => {
          throw new GatewayError('body_too_large', `request body exceeds ${maxSize} bytes`)
        },
      })
      limiters.set(maxSize, limiter)
    }
    return limiter(c, next)
  }
  app.use('*', maxBody)

  app.route('/', healthRoutes)
  app.route('/internal', bootstrapRoutes)
  app.route('/.well-known', wellKnownRoutes)

  // One authenticator (one isolate cache) for every data-plane surface, then the audit trail
  // (which records everything after it, refusals included), then the key's and tenant's rate
  // limits: every surface, passthrough included, goes through all three.
  const authenticate = apiKeyAuth()
  const audit = auditTrail()
  const limit = rateLimits()
  const auth: MiddlewareHandler<AppEnv> = (c, next) =>
    authenticate(c, async () => {
      await audit(c, async () => {
        await limit(c, next)
      })
    })
  // The client's dialect is known from the path before anything can fail, so that even an
  // authentication or rate-limit error renders in a shape that client's SDK parses.
  const v1 = new Hono<AppEnv>()
  v1.use('/messages', speaks(anthropicSurface))
  v1.use(auth)
  v1.route('/', chatRoutes)
  v1.route('/', messagesRoutes)
  v1.route('/', embeddingsRoutes)
  v1.route('/', modelRoutes)
  app.route('/v1', v1)

  const v1beta = new Hono<AppEnv>()
  v1beta.use(speaks(geminiSurface))
  v1beta.use(auth)
  v1beta.route('/', geminiRoutes)
  app.route('/v1beta', v1beta)

  // The control API (tenants' admins and the dashboard), authenticated by access tokens.
  app.route('/api/v1', controlRoutes as unknown as Hono<AppEnv>)

  // Provider-native passthrough comes last so it never shadows the routes above.
  app.route('/', passthroughRoutes(auth))

  app.notFound((c) => {
    throw new GatewayError(
      'not_found',
      `no route for ${c.req.method} ${new URL(c.req.url).pathname}`
    )
  })
  app.onError(renderError)
  return app
}
