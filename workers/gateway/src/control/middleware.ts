import type { ScopedTokenClaims, TokenClaims } from '@trueport/contracts'
import { cacheKeys, directoryStub, tenantStub } from '@trueport/durable-objects'
import type { MiddlewareHandler } from 'hono'
import { tokensFor, TokenError } from '../auth/tokens'
import type { ControlEnv } from './env'
import { GatewayError } from '../errors'
import { can, type Permission } from './permissions'
import { resolveTenant } from './tenant-resolution'
import { readHot } from '../services/hot-cache'

/** How long this isolate trusts that a session is not revoked (bounds the revocation delay). */
const SESSION_CHECK_TTL_MS = 5_000
const liveSessions = new Map<string, number>()

/** True when the session was revoked; a live answer is remembered for a few seconds. */
async function sessionRevoked(env: ControlEnv['Bindings'], sid: string): Promise<boolean> {
  const now = Date.now()
  if ((liveSessions.get(sid) ?? 0) > now) return false
  const revoked = (await readHot(env, cacheKeys.revokedSession(sid))) !== null
  if (!revoked) {
    if (liveSessions.size > 10_000) liveSessions.clear()
    liveSessions.set(sid, now + SESSION_CHECK_TTL_MS)
  }
  return revoked
}

/** Forgets this isolate's "live" answer for a session it has just revoked itself. */
export const forgetSession = (sid: string): void => {
  liveSessions.delete(sid)
}

/**
 * Authenticates the bearer access token: 401 for a missing, invalid or revoked one. With
 * `optional`, a request without a token passes through unauthenticated (a bad one still fails).
 */
export const accessToken = (options: { optional?: boolean } = {}): MiddlewareHandler<ControlEnv> =>
  async function accessToken(c, next) {
    const header = c.req.header('authorization') ?? ''
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1]
    if (!token) {
      if (options.optional) return next()
      throw new GatewayError('missing_token', 'an access token is required')
    }
    let claims: TokenClaims
    try {
      claims = await (await tokensFor(c.env.AUTH_SIGNING_KEY)).verify(token)
    } catch (err) {
      if (err instanceof TokenError) throw new GatewayError('invalid_token', err.message)
      throw err
    }
    if (claims.sid && (await sessionRevoked(c.env, claims.sid)))
      throw new GatewayError('invalid_token', 'this session has been signed out')
    c.set('claims', claims)
    await next()
  }

/** Refuses (403) unless the caller is one of TruePort's platform admins. */
export const platformAdmin = (): MiddlewareHandler<ControlEnv> =>
  async function platformAdmin(c, next) {
    const claims = c.get('claims')
    const user = await directoryStub(c.env).user(claims.sub)
    if (!user?.platformAdmin && !(claims.typ === 'scoped' && claims.role === 'platform_admin'))
      throw new GatewayError('forbidden', 'only platform admins may do this')
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
    // The role is read from the tenant on every request, not trusted from the token: a member
    // removed or demoted loses the old power at once, not when the token expires.
    let scope: ScopedTokenClaims = claims
    if (claims.role !== 'platform_admin') {
      const member = await tenantStub(c.env, claims.tid).member(claims.sub)
      if (!member) throw new GatewayError('forbidden', 'no longer a member of this tenant')
      scope = { ...claims, role: member.role as ScopedTokenClaims['role'] }
    }
    c.set('scope', scope)
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
