import { Role } from '@trueport/contracts'
import { SELF, env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { tokensFor } from '../src/auth/tokens'
import { can, type Permission } from '../src/control/permissions'
import { ORIGIN, newTenant } from './helpers'

const tokens = () => tokensFor((env as unknown as { AUTH_SIGNING_KEY: string }).AUTH_SIGNING_KEY)

const api = (method: string, path: string, token?: string, body?: unknown, headers = {}) =>
  SELF.fetch(`${ORIGIN}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })

let a: Awaited<ReturnType<typeof newTenant>>
let b: Awaited<ReturnType<typeof newTenant>>
const scoped = async (tenantId: string, role: Role) =>
  (await tokens()).issueScoped({ userId: `usr_${role}`, tenantId, role, env: 'dev' })

beforeAll(async () => {
  a = await newTenant()
  b = await newTenant()
})

/** Every control route, the permission it needs, and how to call it. */
const ROUTES: {
  name: string
  permission: Permission
  call: (token: string) => Promise<Response>
  ok: number
}[] = [
  {
    name: 'GET /tenant/api-keys',
    permission: 'keys:read',
    call: (t) => api('GET', '/tenant/api-keys', t),
    ok: 200,
  },
  {
    name: 'POST /tenant/api-keys',
    permission: 'keys:write',
    call: (t) => api('POST', '/tenant/api-keys', t, { name: 'ci' }),
    ok: 201,
  },
  {
    name: 'DELETE /tenant/api-keys/:id',
    permission: 'keys:write',
    call: async (t) => {
      const owner = await scoped(a.tenantId, 'owner')
      const made = await (
        await api('POST', '/tenant/api-keys', owner, { name: 'doomed' })
      ).json<{ id: string }>()
      return api('DELETE', `/tenant/api-keys/${made.id}`, t)
    },
    ok: 200,
  },
  {
    name: 'GET /tenant/credentials',
    permission: 'credentials:read',
    call: (t) => api('GET', '/tenant/credentials', t),
    ok: 200,
  },
]

describe('RBAC: every route for every role', () => {
  for (const route of ROUTES) {
    for (const role of Role.options) {
      const allowed = can(role, route.permission)
      it(`${route.name} as ${role}: ${allowed ? 'allowed' : 'denied'}`, async () => {
        const res = await route.call(await scoped(a.tenantId, role))
        expect(res.status).toBe(allowed ? route.ok : 403)
        if (!allowed)
          expect((await res.json<{ error: { code: string } }>()).error.code).toBe('forbidden')
      })
    }
  }
})

describe('tenant isolation and token checks', () => {
  it('a token acts only on its own tenant, whatever else the request names', async () => {
    const ownerA = await scoped(a.tenantId, 'owner')
    // Naming another tenant next to the token is refused.
    expect(
      (await api('GET', '/tenant/api-keys', ownerA, undefined, { 'x-tenant-slug': b.slug })).status
    ).toBe(403)
    expect(
      (await api('GET', '/tenant/api-keys', ownerA, undefined, { 'x-tenant-slug': a.slug })).status
    ).toBe(200)
    // Another tenant's key cannot be revoked: from A's side it does not exist.
    const listB = await (
      await api('GET', '/tenant/api-keys', await scoped(b.tenantId, 'owner'))
    ).json<{ data: { id: string }[] }>()
    const victim = listB.data[0]?.id ?? 'none'
    expect((await api('DELETE', `/tenant/api-keys/${victim}`, ownerA)).status).toBe(404)
    const listA = await (
      await api('GET', '/tenant/api-keys', ownerA)
    ).json<{ data: { id: string }[] }>()
    expect(listA.data.map((k) => k.id)).not.toContain(victim)
  })

  it('needs a tenant-scoped token: none is 401, a global one 403, a tampered one 401', async () => {
    const none = await api('GET', '/tenant/api-keys')
    expect(none.status).toBe(401)
    expect((await none.json<{ error: { code: string } }>()).error.code).toBe('missing_token')
    const global = await (await tokens()).issueGlobal('usr_1')
    expect((await api('GET', '/tenant/api-keys', global)).status).toBe(403)
    expect((await api('GET', '/me', global)).status).toBe(200)
    const token = await scoped(a.tenantId, 'viewer')
    const tampered = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA')
    const bad = await api('GET', '/tenant/api-keys', tampered)
    expect(bad.status).toBe(401)
    expect((await bad.json<{ error: { code: string } }>()).error.code).toBe('invalid_token')
  })
})
