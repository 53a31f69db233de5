import { ScopedTokenClaims, type Role } from '@trueport/contracts'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWK } from 'jose'
import type { Config } from '../config'
import { AnalyticsError } from '../errors'

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's verified tenant-scoped claims (set by `app.authenticate`). */
    caller: ScopedTokenClaims
  }
  interface FastifyInstance {
    /** preHandler: verifies the control plane's access token; `roles` limits who may call. */
    authenticate(
      roles?: readonly Role[]
    ): (req: FastifyRequest, reply: FastifyReply) => Promise<void>
  }
}

/**
 * Verifies the control plane's tenant-scoped access tokens (ES256 JWTs) against its published
 * JWKS, fetched from CONTROL_JWKS_URL (cached and refreshed by jose) or given inline as
 * CONTROL_JWKS for air-gapped boxes. No secret is shared with the edge.
 */
export const authPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const keys = config.controlJwks
      ? createLocalJWKSet(JSON.parse(config.controlJwks) as { keys: JWK[] })
      : config.controlJwksUrl
        ? createRemoteJWKSet(new URL(config.controlJwksUrl), { cooldownDuration: 30_000 })
        : undefined
    app.decorateRequest('caller', undefined as unknown as ScopedTokenClaims)
    app.decorate('authenticate', (roles?: readonly Role[]) => async (req: FastifyRequest) => {
      if (!keys)
        throw new AnalyticsError(503, 'auth_unconfigured', 'CONTROL_JWKS_URL is not configured')
      const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1]
      if (!token) throw new AnalyticsError(401, 'missing_token', 'an access token is required')
      let payload: unknown
      try {
        ;({ payload } = await jwtVerify(token, keys, {
          algorithms: ['ES256'],
          issuer: 'trueport',
          audience: 'trueport-api',
          requiredClaims: ['sub', 'exp', 'tid'],
        }))
      } catch {
        throw new AnalyticsError(401, 'invalid_token', 'the access token is not valid')
      }
      const claims = ScopedTokenClaims.safeParse(payload)
      if (!claims.success)
        throw new AnalyticsError(403, 'forbidden', 'a tenant-scoped token is required')
      if (roles && !roles.includes(claims.data.role))
        throw new AnalyticsError(403, 'forbidden', `role ${claims.data.role} may not do this`)
      req.caller = claims.data
    })
  },
  { name: 'auth' }
)
