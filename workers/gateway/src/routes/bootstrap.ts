import { BootstrapRequest, PlatformAdminRequest, type BootstrapResponse } from '@trueport/contracts'
import { auditStub, directoryStub, tenantStub } from '@trueport/durable-objects'
import { Hono, type MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJson } from '../lib/json-body'
import { provisionTenant } from '../control/provision'

/** Compares two strings without leaking where they differ. */
function safeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  let diff = x.length ^ y.length
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0)
  return diff === 0
}

/**
 * Guards /internal/*: they exist for `npm start` and tests; with BOOTSTRAP_TOKEN empty, as in
 * every deployed environment, they do not exist (404).
 */
const internalOnly: MiddlewareHandler<AppEnv> = async function internalOnly(c, next) {
  const token = c.env.BOOTSTRAP_TOKEN
  if (!token) throw new GatewayError('not_found', 'not found')
  const auth = c.req.header('authorization') ?? ''
  if (!safeEqual(auth, `Bearer ${token}`))
    throw new GatewayError('forbidden', 'bootstrap token required')
  await next()
}

/**
 * POST /internal/platform-admin: creates (or finds) a platform admin account, the first user of
 * a deployment (`npm start` does the rest through the control API). POST /internal/bootstrap:
 * creates (or finds) a tenant and its owner and optionally issues an API key (tests). POST /internal/audit/:tenantId/flush: makes and delivers the tenant's pending audit
 * batches now (retries included) and answers the spool's status.
 */
export const bootstrapRoutes = new Hono<AppEnv>()
  .use('*', internalOnly)
  .post('/audit/:tenantId/flush', async (c) =>
    c.json(await auditStub(c.env, c.req.param('tenantId')).flush({ force: true }))
  )
  .post('/platform-admin', async (c) => {
    const input = await readJson(c, PlatformAdminRequest)
    const { user, created } = await directoryStub(c.env).ensureUser({
      email: input.email,
      password: input.password,
      platformAdmin: true,
    })
    return c.json({ userId: user.id, created }, created ? 201 : 200)
  })
  .post('/bootstrap', async (c) => {
    const input = await readJson(c, BootstrapRequest)
    const actor = { userId: 'bootstrap' }
    const { tenantId, created, owner } = await provisionTenant(
      c.env,
      {
        slug: input.tenant.slug,
        name: input.tenant.name,
        owner: input.admin,
        limits: input.tenant.limits,
        budget: input.tenant.budget,
        audit: input.tenant.audit,
      },
      actor
    )
    // The first user of a deployment is its platform admin.
    if (input.admin.platformAdmin)
      await directoryStub(c.env).ensureUser({ email: owner.email, platformAdmin: true })
    const apiKey = input.apiKey
      ? await tenantStub(c.env, tenantId).issueApiKey(input.apiKey, actor)
      : undefined

    const body: BootstrapResponse = {
      tenantId,
      tenantCreated: created,
      adminUserId: owner.id,
      ...(apiKey ? { apiKey } : {}),
    }
    return c.json(body, created ? 201 : 200)
  })
