import { signerFromJwk } from '@trueport/audit'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'

let cached: { raw: string; body: string } | undefined

/**
 * GET /.well-known/trueport-audit-keys.json: the public key(s) the audit trail is signed with,
 * as a JWKS, so an auditor can verify a tenant's objects (`npm run audit:verify`) without
 * trusting the gateway or the bucket. Public: it holds no secret.
 */
export const auditKeyRoutes = new Hono<AppEnv>().get('/trueport-audit-keys.json', async (c) => {
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
