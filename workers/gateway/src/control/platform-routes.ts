import { TenantCreate } from '@trueport/contracts'
import { directoryStub } from '@trueport/durable-objects'
import { Hono } from 'hono'
import { z } from 'zod'
import { actorOf } from './actor'
import type { ControlEnv } from './env'
import { platformAdmin } from './middleware'
import { provisionTenant } from './provision'
import { mount } from './registry'

const TenantInfo = z.object({ id: z.string(), slug: z.string(), name: z.string() })

/** The signed-in user, and TruePort operators' tenant management. */
export const platformRoutes = new Hono<ControlEnv>()

mount(
  platformRoutes,
  {
    method: 'get',
    path: '/me',
    summary: 'The signed-in user and the claims of this token',
    tag: 'me',
    access: 'user',
  },
  async (c) => {
    const claims = c.get('claims')
    return c.json({ user: await directoryStub(c.env).user(claims.sub), claims })
  }
)

mount(
  platformRoutes,
  {
    method: 'get',
    path: '/me/tenants',
    summary: 'The tenants the signed-in user belongs to, with the role in each',
    tag: 'me',
    access: 'user',
    response: z.object({ data: z.array(TenantInfo.extend({ role: z.string() })) }),
  },
  async (c) => c.json({ data: await directoryStub(c.env).tenantsOf(c.get('claims').sub) })
)

platformRoutes.use('/tenants', platformAdmin())
mount(
  platformRoutes,
  {
    method: 'get',
    path: '/tenants',
    summary: 'Every tenant (platform admins)',
    tag: 'platform',
    access: 'platform',
    response: z.object({ data: z.array(TenantInfo) }),
  },
  async (c) => c.json({ data: await directoryStub(c.env).listTenants() })
)

mount(
  platformRoutes,
  {
    method: 'post',
    path: '/tenants',
    summary: 'Create a tenant with its first owner (platform admins)',
    tag: 'platform',
    access: 'platform',
    body: TenantCreate,
    response: z.object({ tenantId: z.string(), created: z.boolean(), ownerUserId: z.string() }),
    status: 201,
  },
  async (c, body) => {
    const r = await provisionTenant(
      c.env,
      { slug: body.slug, name: body.name, owner: { email: body.ownerEmail }, audit: body.audit },
      actorOf(c)
    )
    return c.json(
      { tenantId: r.tenantId, created: r.created, ownerUserId: r.owner.id },
      r.created ? 201 : 200
    )
  }
)
