import { rateLimiterStub } from '@trueport/durable-objects'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { Coalescer } from '../lib/coalesce'
import {
  decisive,
  estimateTokens,
  hasLimit,
  limitHeaders,
  minuteWindow,
} from '../services/rate-limit'

type Scope = 'key' | 'tenant'

const lenient = new TextDecoder()

/** Settles of concurrent requests to one window go in one call. */
const settles = new Coalescer<{ id: string; tokens: number }>(5, 200)

/**
 * Requests- and tokens-per-minute limits of the key and of its tenant, each in its own Durable
 * Object window (exact: one call at a time). A request reserves its worst-case tokens; the
 * actual usage replaces the reservation once known (`c.var.settleTokens`). Refused requests get
 * 429 with Retry-After; every answer carries OpenAI's x-ratelimit-* headers.
 */
export function rateLimits(): MiddlewareHandler<AppEnv> {
  return async function rateLimits(c, next) {
    const key = c.get('apiKey')
    const scopes: [Scope, string, typeof key.limits][] = []
    if (hasLimit(key.limits)) scopes.push(['key', key.keyId, key.limits])
    if (hasLimit(key.tenantLimits)) scopes.push(['tenant', key.tenantId, key.tenantLimits])
    if (scopes.length === 0) return next()

    // Read as bytes, which Hono caches: the route's strict UTF-8 read then sees the same bytes
    // (a cached text() would hand it a re-encoded copy with invalid sequences replaced).
    const bodyless = c.req.method === 'GET' || c.req.method === 'HEAD'
    const estimate = bodyless ? 0 : estimateTokens(lenient.decode(await c.req.arrayBuffer()))
    const id = c.get('requestId')
    const stubs = scopes.map(([scope, sid]) => rateLimiterStub(c.env, scope, sid))
    const results = await Promise.all(
      stubs.map((stub, i) => stub.acquire(id, estimate, minuteWindow(scopes[i]?.[2] ?? key.limits)))
    )
    const shown = decisive(results)
    if (shown)
      for (const [name, value] of Object.entries(limitHeaders(shown))) c.header(name, value)
    if (shown && !shown.allowed) {
      // The windows that did admit it take the admission back.
      results.forEach((r, i) => {
        if (r.allowed) c.executionCtx.waitUntil(stubs[i]?.release(id) ?? Promise.resolve(false))
      })
      c.header('retry-after', String(Math.max(1, Math.ceil(shown.retryAfterMs / 1000))))
      const what = shown.exceeded === 'tokens' ? 'tokens' : 'requests'
      throw new GatewayError('rate_limited', `rate limit reached: ${what} per minute`)
    }

    let settled = false
    const env = c.env
    c.set('settleTokens', (tokens: number) => {
      if (settled) return
      settled = true
      for (const [scope, sid] of scopes) {
        const sending = settles.add(`${scope}:${sid}`, { id, tokens }, async (items) => {
          await rateLimiterStub(env, scope, sid).settleMany(items)
        })
        if (sending) c.executionCtx.waitUntil(sending)
      }
    })
    await next()
    // A request that failed before any usage was known spent nothing.
    if (c.error || c.res.status >= 400) c.get('settleTokens')?.(0)
  }
}
