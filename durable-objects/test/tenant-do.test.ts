import { DEFAULT_KEY_LIMITS, NO_BUDGET, NO_LIMITS } from '@trueport/contracts'
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { hashApiKey } from '../src/lib/api-key'
import { cacheKeys, directoryStub, tenantStub } from '../src/names'

let n = 0
const freshTenant = async () => {
  const id = `ten_test${Date.now()}${++n}`
  const stub = tenantStub(env, id)
  await stub.init({ id, slug: `slug-${n}`, name: 'Test' })
  return { id, stub }
}

describe('TenantDO', () => {
  it('initialises once and reports a conflict when asked to hold another tenant', async () => {
    const { id, stub } = await freshTenant()
    expect(await stub.init({ id, slug: 'x', name: 'x' })).toEqual({ created: false })
    expect(await stub.init({ id: 'ten_other', slug: 'x', name: 'x' })).toEqual({
      created: false,
      conflict: true,
    })
  })

  it('creates an owner once and verifies the login', async () => {
    const { stub } = await freshTenant()
    const first = await stub.ensureOwner('Owner@Example.test', 'a very long password')
    const again = await stub.ensureOwner('owner@example.test ', 'something else entirely')
    expect(again).toEqual({ userId: first.userId, created: false })
    expect(await stub.verifyLogin('owner@example.test', 'a very long password')).toBe(first.userId)
    expect(await stub.verifyLogin('owner@example.test', 'something else entirely')).toBeNull()
    expect(await stub.verifyLogin('nobody@example.test', 'a very long password')).toBeNull()
  })

  it('issues keys that exist nowhere in clear and publishes their snapshot', async () => {
    const { id, stub } = await freshTenant()
    const issued = await stub.issueApiKey({ name: 'ci', environment: 'staging' })
    expect(issued.key).toMatch(/^tp_staging_/)

    // Scan every row of the object's SQLite for the secret.
    const dump = await runInDurableObject(stub, (_instance, state) => {
      const tables = state.storage.sql
        .exec<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf%'"
        )
        .toArray()
      return JSON.stringify(
        tables.map((t) => state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray())
      )
    })
    expect(dump).not.toContain(issued.key)
    expect(dump).toContain(await hashApiKey(issued.key))

    const snapshot = await env.KEY_CACHE.get(cacheKeys.apiKey(await hashApiKey(issued.key)), 'json')
    expect(snapshot).toEqual({
      keyId: issued.id,
      tenantId: id,
      environment: 'staging',
      status: 'active',
      limits: DEFAULT_KEY_LIMITS,
      tenantLimits: NO_LIMITS,
      budget: NO_BUDGET,
      tenantBudget: NO_BUDGET,
      privacy: 'full',
      budgetWarnings: [0.8],
    })
    const listed = await stub.listApiKeys()
    expect(listed).toEqual([
      expect.objectContaining({ id: issued.id, prefix: issued.prefix, status: 'active' }),
    ])
    expect(JSON.stringify(listed)).not.toContain(issued.key)
  })

  it('revokes a key and overwrites its snapshot', async () => {
    const { stub } = await freshTenant()
    const issued = await stub.issueApiKey({ name: 'k', environment: 'dev' })
    expect(await stub.revokeApiKey(issued.id)).toBe(true)
    expect(await stub.revokeApiKey('key_unknown')).toBe(false)
    const snapshot = await env.KEY_CACHE.get<{ status: string }>(
      cacheKeys.apiKey(await hashApiKey(issued.key)),
      'json'
    )
    expect(snapshot?.status).toBe('revoked')
    expect((await stub.listApiKeys())[0]).toMatchObject({
      status: 'revoked',
      revokedAt: expect.any(String),
    })
  })
})

describe('DirectoryDO', () => {
  it('maps a slug to exactly one tenant, also under concurrent claims', async () => {
    const dir = directoryStub(env)
    const slug = `race-${Date.now()}`
    const claims = await Promise.all(Array.from({ length: 20 }, () => dir.claimSlug(slug)))
    const ids = new Set(claims.map((c) => c.tenantId))
    expect(ids.size).toBe(1)
    expect(claims.filter((c) => c.created)).toHaveLength(1)
    expect(await dir.lookupSlug(slug)).toBe(claims[0]?.tenantId)
    expect(await dir.lookupSlug('never-claimed')).toBeNull()
  })
})
