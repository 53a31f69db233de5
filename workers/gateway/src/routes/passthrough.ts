import { Hono, type Handler, type MiddlewareHandler } from 'hono'
import { GatewayError } from '../errors'
import type { AppEnv } from '../env'
import { secretLookup, serverTiming } from '../services/chat'
import { routingTable } from '../services/routing'
import { guardedCall, noTargetAvailable } from '../services/guarded-call'
import { underBudget } from '../services/budget'

/** Client headers that must not reach the provider: the gateway's own credential replaces them. */
const DROPPED = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'host',
  'content-length',
  'cookie',
  'cf-connecting-ip',
  'x-forwarded-for',
])

/**
 * `/{upstream}/{path...}`: the provider's native API, unchanged in shape, still behind the
 * gateway's authentication (the route is mounted after it) and later its limits and audit
 * trail. The client's own credential is stripped; the upstream's configured key is used.
 * Mounted with `mountPassthrough`, which answers 404 before authentication for any first path
 * segment that is not a configured upstream.
 */
export function passthroughRoutes(auth: MiddlewareHandler<AppEnv>) {
  return new Hono<AppEnv>()
    .use('/:upstream/*', async function configuredUpstream(c, next) {
      const route = routingTable(c.env.PROVIDERS).upstream(
        c.req.param('upstream'),
        secretLookup(c.env)
      )
      if (!route)
        throw new GatewayError(
          'not_found',
          `no route for ${c.req.method} ${new URL(c.req.url).pathname}`
        )
      await next()
    })
    .use('/:upstream/*', auth)
    .all('/:upstream/:path{.+}', forward)
}

const forward: Handler<AppEnv> = async (c) => {
  const route = routingTable(c.env.PROVIDERS).upstream(
    c.req.param('upstream') ?? '',
    secretLookup(c.env)
  )
  if (!route) throw new GatewayError('not_found', 'not found')
  // A native API's cost cannot be metered in general (files, batches, any model), so a budget
  // could be walked around here: keys under one use the unified endpoints instead.
  if (underBudget(c.get('apiKey')))
    throw new GatewayError(
      'forbidden',
      'passthrough is not available to keys under a budget: its cost cannot be metered; use /v1/chat/completions, /v1/messages or /v1beta instead'
    )
  const started = performance.now()
  const url = new URL(c.req.url)
  const { url: target, headers } = route.adapter.passthrough(
    c.req.param('path') ?? '',
    url.search,
    route.target
  )
  const forwarded: Record<string, string> = {}
  c.req.raw.headers.forEach((value, key) => {
    if (!DROPPED.has(key)) forwarded[key] = value
  })
  const method = c.req.method === 'GET' ? 'GET' : 'POST'
  // The provider's native API may stream, so only the wait for its headers is bounded; it is
  // never retried (a native POST may not be idempotent: files, batches, fine-tunes).
  const sent = await guardedCall(
    c,
    route.target,
    {
      url: target,
      method,
      headers: { ...forwarded, ...headers },
      body: method === 'POST' ? await c.req.arrayBuffer() : undefined,
    },
    Number(c.env.UPSTREAM_TIMEOUT_MS) || 60_000,
    true
  )
  if (!sent.sent) throw noTargetAvailable(c, [route.target.upstream], sent.retryAt)
  // Its body is the provider's own: the breaker hears the status, not the stream's end.
  sent.streamDone?.(false)
  const res = sent.res
  const upstreamMs = performance.now() - started
  const out = new Headers(res.headers)
  out.set('x-trueport-provider', route.adapter.id)
  out.set('x-trueport-attempts', '1')
  out.set('x-request-id', c.get('requestId'))
  out.set('server-timing', serverTiming(started, upstreamMs))
  return new Response(res.body, { status: res.status, headers: out })
}
