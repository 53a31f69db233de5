import { Role } from '@trueport/contracts'
import { directoryStub, tenantStub } from '@trueport/durable-objects'
import { SELF, env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { tokensFor } from '../src/auth/tokens'
import { can, type Permission } from '../src/control/permissions'
import { ROUTES } from '../src/control/registry'
import '../src/control/routes'
import { api as controlApi, uniqueEmail } from './control-helpers'
import { ORIGIN, newTenant } from './helpers'

const tokens = () => tokensFor((env as unknown as { AUTH_SIGNING_KEY: string }).AUTH_SIGNING_KEY)
const api = controlApi

let a: Awaited<ReturnType<typeof newTenant>>
let b: Awaited<ReturnType<typeof newTenant>>
/** A scoped token per role for real members of tenant A (platform admins need no membership). */
const roleTokens = new Map<Role, string>()
let ownerA = ''

/** Makes `email` a member of `tenantId` with `role` and answers its user id. */
async function member(tenantId: string, role: Exclude<Role, 'platform_admin'>) {
  const { user } = await directoryStub(env).ensureUser({ email: uniqueEmail(role) })
  await tenantStub(env, tenantId).addMember(
    { userId: 'test' },
    { userId: user.id, email: user.email, role }
  )
  return user.id
}

const scoped = async (tenantId: string, role: Role, userId: string) =>
  (await tokens()).issueScoped({ userId, tenantId, role, env: 'dev' })

beforeAll(async () => {
  a = await newTenant()
  b = await newTenant()
  for (const role of Role.options) {
    const userId = role === 'platform_admin' ? 'usr_platform' : await member(a.tenantId, role)
    roleTokens.set(role, await scoped(a.tenantId, role, userId))
  }
  ownerA = roleTokens.get('owner') as string
})

const json = async <T>(res: Promise<Response>) => (await res).json<T>()
const newKey = async () =>
  (await json<{ id: string }>(api('POST', '/tenant/api-keys', ownerA, { name: 'target' }))).id

/** Every tenant-scoped control route, the permission it needs, and how to call it. */
const TABLE: Record<string, { call: (token: string) => Promise<Response>; ok: number }> = {
  'GET /tenant': { call: (t) => api('GET', '/tenant', t), ok: 200 },
  'GET /tenant/members': { call: (t) => api('GET', '/tenant/members', t), ok: 200 },
  'PATCH /tenant/members/:userId': {
    call: async (t) =>
      api('PATCH', `/tenant/members/${await member(a.tenantId, 'viewer')}`, t, { role: 'viewer' }),
    ok: 200,
  },
  'DELETE /tenant/members/:userId': {
    call: async (t) => api('DELETE', `/tenant/members/${await member(a.tenantId, 'viewer')}`, t),
    ok: 200,
  },
  'GET /tenant/invites': { call: (t) => api('GET', '/tenant/invites', t), ok: 200 },
  'POST /tenant/invites': {
    call: (t) => api('POST', '/tenant/invites', t, { email: uniqueEmail('inv'), role: 'viewer' }),
    ok: 201,
  },
  'DELETE /tenant/invites/:id': {
    call: async (t) => {
      const inv = await json<{ id: string }>(
        api('POST', '/tenant/invites', ownerA, { email: uniqueEmail('inv'), role: 'viewer' })
      )
      return api('DELETE', `/tenant/invites/${inv.id}`, t)
    },
    ok: 200,
  },
  'GET /tenant/api-keys': { call: (t) => api('GET', '/tenant/api-keys', t), ok: 200 },
  'POST /tenant/api-keys': {
    call: (t) => api('POST', '/tenant/api-keys', t, { name: 'ci' }),
    ok: 201,
  },
  'GET /tenant/api-keys/:id': {
    call: (t) => api('GET', `/tenant/api-keys/${a.apiKey.id}`, t),
    ok: 200,
  },
  'PATCH /tenant/api-keys/:id': {
    call: async (t) => api('PATCH', `/tenant/api-keys/${await newKey()}`, t, { name: 'renamed' }),
    ok: 200,
  },
  'POST /tenant/api-keys/:id/rotate': {
    call: async (t) =>
      api('POST', `/tenant/api-keys/${await newKey()}/rotate`, t, { graceSeconds: 60 }),
    ok: 201,
  },
  'DELETE /tenant/api-keys/:id': {
    call: async (t) => api('DELETE', `/tenant/api-keys/${await newKey()}`, t),
    ok: 200,
  },
  'GET /tenant/policies/tenant': { call: (t) => api('GET', '/tenant/policies/tenant', t), ok: 200 },
  'PUT /tenant/policies/tenant': {
    call: (t) => api('PUT', '/tenant/policies/tenant', t, {}),
    ok: 200,
  },
  'GET /tenant/policies/environments/:environment': {
    call: (t) => api('GET', '/tenant/policies/environments/prod', t),
    ok: 200,
  },
  'PUT /tenant/policies/environments/:environment': {
    call: (t) => api('PUT', '/tenant/policies/environments/prod', t, {}),
    ok: 200,
  },
  'GET /tenant/api-keys/:id/policy': {
    call: (t) => api('GET', `/tenant/api-keys/${a.apiKey.id}/policy`, t),
    ok: 200,
  },
  'PUT /tenant/api-keys/:id/policy': {
    call: async (t) => api('PUT', `/tenant/api-keys/${await newKey()}/policy`, t, {}),
    ok: 200,
  },
  'GET /tenant/policies/resolved': {
    call: (t) => api('GET', '/tenant/policies/resolved?environment=prod', t),
    ok: 200,
  },
  'GET /tenant/credentials': { call: (t) => api('GET', '/tenant/credentials', t), ok: 200 },
  'PUT /tenant/credentials/:name': {
    call: (t) =>
      api('PUT', '/tenant/credentials/openai-main', t, {
        provider: 'openai',
        secret: 'sk-test-123456789',
      }),
    ok: 200,
  },
  'DELETE /tenant/credentials/:name': {
    call: async (t) => {
      const name = `doomed-${Math.random().toString(36).slice(2, 8)}`
      await api('PUT', `/tenant/credentials/${name}`, ownerA, {
        provider: 'openai',
        secret: 'sk-test-123456789',
      })
      return api('DELETE', `/tenant/credentials/${name}`, t)
    },
    ok: 200,
  },
  'POST /tenant/credentials/rewrap': {
    call: (t) => api('POST', '/tenant/credentials/rewrap', t),
    ok: 200,
  },
  'GET /tenant/admin-events': { call: (t) => api('GET', '/tenant/admin-events', t), ok: 200 },
  'GET /tenant/admin-events/export': {
    call: (t) => api('GET', '/tenant/admin-events/export', t),
    ok: 200,
  },
  'GET /tenant/usage': { call: (t) => api('GET', '/tenant/usage', t), ok: 200 },
  'POST /tenant/api-keys/:id/release': {
    call: async (t) => {
      const id = await newKey()
      await tenantStub(env, a.tenantId).quarantineApiKey({ userId: 'analytics' }, id, 'test')
      return api('POST', `/tenant/api-keys/${id}/release`, t)
    },
    ok: 200,
  },
  'GET /tenant/violations/daily': {
    call: (t) => api('GET', '/tenant/violations/daily', t),
    ok: 200,
  },
}

const permissioned = ROUTES.filter((r) => r.access.includes(':'))

describe('RBAC: every route for every role', () => {
  it('the table covers every permissioned route in the registry', () => {
    const registered = permissioned.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort()
    expect(Object.keys(TABLE).sort()).toEqual(registered)
  })

  for (const route of permissioned) {
    const name = `${route.method.toUpperCase()} ${route.path}`
    for (const role of Role.options) {
      const allowed = can(role, route.access as Permission)
      it(`${name} as ${role}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        const entry = TABLE[name]
        if (!entry) throw new Error(`no RBAC case for ${name}`)
        const res = await entry.call(roleTokens.get(role) as string)
        const text = await res.text()
        expect(res.status, text).toBe(allowed ? entry.ok : 403)
        if (!allowed)
          expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe('forbidden')
      })
    }
  }

  it('platform routes: platform admins only', async () => {
    const { user } = await directoryStub(env).ensureUser({
      email: uniqueEmail('operator'),
      platformAdmin: true,
    })
    const operator = await (await tokens()).issueGlobal(user.id)
    const slug = `p-${Date.now().toString(36)}`
    const made = await api('POST', '/tenants', operator, {
      slug,
      name: 'Made by ops',
      ownerEmail: uniqueEmail('o'),
    })
    expect(made.status).toBe(201)
    expect((await api('GET', '/tenants', operator)).status).toBe(200)
    for (const role of Role.options.filter((r) => r !== 'platform_admin')) {
      expect((await api('GET', '/tenants', roleTokens.get(role))).status).toBe(403)
      expect(
        (
          await api('POST', '/tenants', roleTokens.get(role), {
            slug: `${slug}-x`,
            name: 'x',
            ownerEmail: uniqueEmail('o'),
          })
        ).status
      ).toBe(403)
    }
  })
})

describe('tenant isolation and token checks', () => {
  it('a token acts only on its own tenant, whatever else the request names', async () => {
    // Naming another tenant next to the token is refused.
    expect(
      (await api('GET', '/tenant/api-keys', ownerA, undefined, { 'x-tenant-slug': b.slug })).status
    ).toBe(403)
    expect(
      (await api('GET', '/tenant/api-keys', ownerA, undefined, { 'x-tenant-slug': a.slug })).status
    ).toBe(200)
    // A token claiming tenant B for a member of A only is refused: membership is checked.
    const forged = await scoped(
      b.tenantId,
      'owner',
      (await api('GET', '/me', ownerA).then((r) => r.json<{ claims: { sub: string } }>())).claims
        .sub
    )
    expect((await api('GET', '/tenant/api-keys', forged)).status).toBe(403)
    // B's objects are invisible from A: its key, its members, its credentials.
    for (const [method, path] of [
      ['DELETE', `/tenant/api-keys/${b.apiKey.id}`],
      ['GET', `/tenant/api-keys/${b.apiKey.id}`],
      ['PATCH', `/tenant/api-keys/${b.apiKey.id}`],
      ['POST', `/tenant/api-keys/${b.apiKey.id}/rotate`],
      ['GET', `/tenant/api-keys/${b.apiKey.id}/policy`],
      ['DELETE', `/tenant/members/${b.adminUserId}`],
      ['PATCH', `/tenant/members/${b.adminUserId}`],
    ] as const) {
      const body =
        method === 'PATCH'
          ? path.includes('members')
            ? { role: 'viewer' }
            : { name: 'x' }
          : method === 'POST'
            ? {}
            : undefined
      const res = await api(method, path, ownerA, body)
      expect([403, 404], `${method} ${path}`).toContain(res.status)
    }
    const listA = await json<{ data: { id: string }[] }>(api('GET', '/tenant/api-keys', ownerA))
    expect(listA.data.map((k) => k.id)).not.toContain(b.apiKey.id)
    // B's key still works: nothing of A's reached it.
    const res = await SELF.fetch(`${ORIGIN}/v1/models`, {
      headers: { authorization: `Bearer ${b.apiKey.key}` },
    })
    expect(res.status).toBe(200)
  })

  it('needs a tenant-scoped token: none is 401, a global one 403, a tampered one 401', async () => {
    const none = await api('GET', '/tenant/api-keys')
    expect(none.status).toBe(401)
    expect((await none.json<{ error: { code: string } }>()).error.code).toBe('missing_token')
    const global = await (await tokens()).issueGlobal('usr_1')
    expect((await api('GET', '/tenant/api-keys', global)).status).toBe(403)
    expect((await api('GET', '/me', global)).status).toBe(200)
    const token = roleTokens.get('viewer') as string
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA')
    const bad = await api('GET', '/tenant/api-keys', tampered)
    expect(bad.status).toBe(401)
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe('invalid_token')
  })
})
