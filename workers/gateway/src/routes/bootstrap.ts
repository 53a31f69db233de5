import { BootstrapRequest, type BootstrapResponse } from '@trueport/contracts'
import { directoryStub, tenantStub } from '@trueport/durable-objects'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'

/** Compares two strings without leaking where they differ. */
function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

/**
 * POST /internal/bootstrap: creates (or finds) a tenant and its owner and optionally issues an
 * API key. It exists for `npm start` and tests; with BOOTSTRAP_TOKEN empty, as in every deployed
 * environment, the route does not exist (404).
 */
export const bootstrapRoutes = new Hono<AppEnv>().post('/bootstrap', async (c) => {
  const token = c.env.BOOTSTRAP_TOKEN
  if (!token) throw new GatewayError('not_found', 'not found')
  const auth = c.req.header('authorization') ?? ''
  if (!safeEqual(auth, `Bearer ${token}`))
    throw new GatewayError('forbidden', 'bootstrap token required')

  const input = await readJson(c, BootstrapRequest)
  const { tenantId, created } = await directoryStub(c.env).claimSlug(input.tenant.slug)
  const tenant = tenantStub(c.env, tenantId)
  const init = await tenant.init({
    id: tenantId,
    slug: input.tenant.slug,
    name: input.tenant.name,
    limits: input.tenant.limits,
    budget: input.tenant.budget,
  })
  if (init.conflict) throw new GatewayError('conflict', 'tenant state does not match the directory')
  const { userId } = await tenant.ensureOwner(input.admin.email, input.admin.password)
  const apiKey = input.apiKey ? await tenant.issueApiKey(input.apiKey) : undefined

  const body: BootstrapResponse = {
    tenantId,
    tenantCreated: created,
    adminUserId: userId,
    ...(apiKey ? { apiKey } : {}),
  }
  return c.json(body, created ? 201 : 200)
})
