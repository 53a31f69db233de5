import { Environment, RateLimits } from '@trueport/contracts'
import { tenantStub } from '@trueport/durable-objects'
import { Hono } from 'hono'
import { z } from 'zod'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import type { ControlEnv } from './env'
import { accessToken, requires, tenantScope } from './middleware'

const CreateApiKey = z.object({
  name: z.string().min(1).max(120),
  environment: Environment.optional(),
  limits: RateLimits.partial().optional(),
})

/**
 * /api/v1: the control API the dashboard and tenant admins use. Every route authenticates an
 * access token, resolves the tenant and checks one permission of the caller's role.
 */
export const controlRoutes = new Hono<ControlEnv>()
  .use('*', accessToken())
  .get('/me', (c) => c.json({ claims: c.get('claims') }))
  .use('/tenant/*', tenantScope())
  .get('/tenant/api-keys', requires('keys:read'), async (c) =>
    c.json({ data: await tenantStub(c.env, c.get('scope').tid).listApiKeys() })
  )
  .post('/tenant/api-keys', requires('keys:write'), async (c) => {
    const body = await readJson(c, CreateApiKey)
    const scope = c.get('scope')
    const issued = await tenantStub(c.env, scope.tid).issueApiKey({
      name: body.name,
      environment: body.environment ?? scope.env,
      limits: body.limits,
    })
    return c.json(issued, 201)
  })
  .delete('/tenant/api-keys/:id', requires('keys:write'), async (c) => {
    const revoked = await tenantStub(c.env, c.get('scope').tid).revokeApiKey(c.req.param('id'))
    if (!revoked) throw new GatewayError('not_found', 'no such API key in this tenant')
    return c.json({ id: c.req.param('id'), status: 'revoked' })
  })
  .get('/tenant/credentials', requires('credentials:read'), async (c) =>
    c.json({ data: await tenantStub(c.env, c.get('scope').tid).listProviderCredentials() })
  )
