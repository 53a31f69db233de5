import { signerFromJwk } from '@trueport/audit'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'

import { tokensFor } from '../auth/tokens'

let cached: { raw: string; body: string } | undefined

/**
 * GET /.well-known/jwks.json: the public key(s) access tokens are signed with, so other services
 * (the analytics box) verify them with jose and no shared secret.
 *
 * GET /.well-known/trueport-audit-keys.json: the public key(s) the audit trail is signed with,
 * as a JWKS, so an auditor can verify a tenant's objects (`npm run audit:verify`) without
 * trusting the gateway or the bucket. Public: it holds no secret.
 */
export const wellKnownRoutes = new Hono<AppEnv>()
  .get('/jwks.json', async (c) => {
    if (!c.env.AUTH_SIGNING_KEY)
      throw new GatewayError('not_found', 'this deployment has no token signing key')
    const { jwks } = await tokensFor(c.env.AUTH_SIGNING_KEY)
    c.header('cache-control', 'public, max-age=300')
    return c.json(jwks)
  })
  .get('/trueport-audit-keys.json', async (c) => {
    const raw = c.env.AUDIT_SIGNING_KEY
    if (!raw) throw new GatewayError('not_found', 'this deployment has no audit signing key')
    if (cached?.raw !== raw) {
      const signer = await signerFromJwk(JSON.parse(raw) as Parameters<typeof signerFromJwk>[0])
      cached = { raw, body: JSON.stringify({ keys: [signer.publicJwk] }) }
    }
    c.header('content-type', 'application/json')
    c.header('cache-control', 'public, max-age=300')
    return c.body(cached.body)
  })
