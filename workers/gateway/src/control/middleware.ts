import type { ScopedTokenClaims, TokenClaims } from '@trueport/contracts'
import { directoryStub } from '@trueport/durable-objects'
import type { MiddlewareHandler } from 'hono'
import { tokensFor, TokenError } from '../auth/tokens'
import type { ControlEnv } from './env'
import { GatewayError } from '../errors'
import { can, type Permission } from './permissions'
import { resolveTenant } from './tenant-resolution'

/** Authenticates the bearer access token; 401 for a missing or invalid one. */
export const accessToken = (): MiddlewareHandler<ControlEnv> =>
  async function accessToken(c, next) {
    const header = c.req.header('authorization') ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
    if (!token) throw new GatewayError('missing_token', 'an access token is required')
    let claims: TokenClaims
    try {
      claims = await (await tokensFor(c.env.AUTH_SIGNING_KEY)).verify(token)
    } catch (err) {
      if (err instanceof TokenError) throw new GatewayError('invalid_token', err.message)
      throw err
    }
    c.set('claims', claims)
    await next()
  }

/**
 * Resolves the tenant the request acts on (token, then subdomain, then the dev-only header)
 * and insists that a scoped token is for that tenant: every cross-tenant attempt is a 403.
 */
export const tenantScope = (): MiddlewareHandler<ControlEnv> =>
  async function tenantScope(c, next) {
    const claims = c.get('claims')
    const r = resolveTenant({
      claims,
      host: c.req.header('host'),
      baseDomain: c.env.CONTROL_BASE_DOMAIN,
      headerSlug: c.req.header('x-tenant-slug'),
      environment: c.env.ENVIRONMENT,
    })
    if (!r.ok) throw new GatewayError('forbidden', r.why)
    if (claims.typ !== 'scoped')
      throw new GatewayError('forbidden', 'a tenant-scoped token is required')
    // A slug named alongside the token must be the token's own tenant.
    const slug = c.req.header('x-tenant-slug') ?? (r.via === 'subdomain' ? r.slug : undefined)
    if (slug) {
      const named = await directoryStub(c.env).lookupSlug(slug)
      if (named !== claims.tid)
        throw new GatewayError('forbidden', 'the token is for another tenant')
    }
    c.set('scope', claims satisfies ScopedTokenClaims)
    await next()
  }

/** Refuses (403) unless the caller's role holds `permission`. */
export const requires = (permission: Permission): MiddlewareHandler<ControlEnv> =>
  async function requires(c, next) {
    const scope = c.get('scope')
    if (!can(scope.role, permission))
      throw new GatewayError('forbidden', `role ${scope.role} may not ${permission}`)
    await next()
  }
