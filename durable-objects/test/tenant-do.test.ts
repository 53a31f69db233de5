import { DEFAULT_KEY_LIMITS, NO_BUDGET, NO_LIMITS } from '@trueport/contracts'
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { hashApiKey } from '../src/lib/api-key'
import { cacheKeys, directoryStub, tenantStub } from '../src/names'
import type { TenantDO } from '../src/tenant-do'

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

  it('makes an owner once; the account and its password live in the directory', async () => {
    const { stub } = await freshTenant()
    const directory = directoryStub(env)
    const email = `owner-${n}@example.test`
    const { user } = await directory.ensureUser({
      email: ` ${email.toUpperCase()}`,
      password: 'a very long password',
    })
    const again = await directory.ensureUser({ email, password: 'something else entirely' })
    expect(again).toMatchObject({ user: { id: user.id }, created: false })
    expect(await stub.ensureOwner(user)).toEqual({ userId: user.id, created: true })
    expect(await stub.ensureOwner(user)).toEqual({ userId: user.id, created: false })
    expect(await stub.member(user.id)).toMatchObject({ role: 'owner', email })
    expect(await directory.login(email, 'a very long password')).toMatchObject({ ok: true })
    expect(await directory.login(email, 'something else entirely')).toEqual({
      ok: false,
      error: 'invalid_credentials',
    })
    expect(await directory.login('nobody@example.test', 'a very long password')).toEqual({
      ok: false,
      error: 'invalid_credentials',
    })
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
      allowModels: [],
      denyModels: [],
      aliases: {},
      fallbacks: {},
      blockedTerms: [],
      policyVersions: '',
      expiresAt: null,
      ipAllowlist: [],
      endpoints: [],
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

describe('TenantDO publishing', () => {
  it('a change commits even when the cache is unreachable; the alarm publishes it later', async () => {
    const { stub } = await freshTenant()
    const result = await runInDurableObject(stub, async (instance: TenantDO) => {
      const healthy = (instance as unknown as { env: Env }).env
      // Upstash on a dead port: every publish fails until the env is healthy again.
      Object.defineProperty(instance, 'env', {
        value: {
          ...healthy,
          UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
          UPSTASH_REDIS_REST_TOKEN: 'x',
        },
        configurable: true,
      })
      const issued = await instance.issueApiKey({ name: 'offline', environment: 'dev' })
      const queued = instance.unpublishedCount()
      Object.defineProperty(instance, 'env', { value: healthy, configurable: true })
      await instance.alarm()
      return { issued, queued, after: instance.unpublishedCount() }
    })
    expect(result.queued).toBe(1)
    expect(result.after).toBe(0)
    const snapshot = await env.KEY_CACHE.get(
      cacheKeys.apiKey(await hashApiKey(result.issued.key)),
      'json'
    )
    expect(snapshot).toMatchObject({ keyId: result.issued.id, status: 'active' })
  })
})
