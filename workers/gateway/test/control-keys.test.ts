import type { IssuedApiKey, ResolvedPolicy } from '@trueport/contracts'
import { cacheKeys, directoryStub, hashApiKey, tenantStub } from '@trueport/durable-objects'
import { env } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { tokensFor } from '../src/auth/tokens'
import { readHot } from '../src/services/hot-cache'
import { api, call, errorCode, ownedTenant, uniqueEmail } from './control-helpers'
import { post, scriptFaults } from './helpers'

const chat = (
  key: string,
  model = 'mock-gpt',
  headers: Record<string, string> = {},
  text = 'ping'
) =>
  post('/v1/chat/completions', key, { model, messages: [{ role: 'user', content: text }] }, headers)
const embed = (key: string) => post('/v1/embeddings', key, { model: 'mock-embed', input: 'hello' })

/** Polls until `probe` answers `status`; returns the time it took (ms). */
async function until(probe: () => Promise<Response>, status: number, limitMs = 12_000) {
  const started = Date.now()
  while (Date.now() - started < limitMs) {
    const res = await probe()
    await res.body?.cancel()
    if (res.status === status) return Date.now() - started
    await new Promise((r) => setTimeout(r, 50))
  }
  return Infinity
}

const issue = (owner: string, body: object) =>
  call<IssuedApiKey>('POST', '/tenant/api-keys', owner, { name: 'k', ...body }, 201)

describe('API key scopes', () => {
  it('endpoint scopes, IP allowlists and expiry are enforced at the gateway', async () => {
    const t = await ownedTenant()
    const embedOnly = await issue(t.owner, { endpoints: ['embeddings'] })
    expect((await embed(embedOnly.key)).status).toBe(200)
    const refused = await chat(embedOnly.key)
    expect(refused.status).toBe(403)
    expect(await errorCode(refused)).toBe('endpoint_not_allowed')

    const office = await issue(t.owner, { ipAllowlist: ['10.0.0.0/8', '2001:db8::/32'] })
    expect((await chat(office.key, 'mock-gpt', { 'cf-connecting-ip': '10.20.30.40' })).status).toBe(
      200
    )
    expect((await chat(office.key, 'mock-gpt', { 'cf-connecting-ip': '2001:db8::1' })).status).toBe(
      200
    )
    const outside = await chat(office.key, 'mock-gpt', { 'cf-connecting-ip': '192.168.1.1' })
    expect(outside.status).toBe(403)
    expect(await errorCode(outside)).toBe('ip_not_allowed')
    expect((await chat(office.key)).status).toBe(403)

    const expired = await issue(t.owner, { expiresAt: new Date(Date.now() - 1000).toISOString() })
    const res = await chat(expired.key)
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toBe('expired_api_key')
    expect(
      (await api('POST', '/tenant/api-keys', t.owner, { name: 'x', ipAllowlist: ['not-an-ip'] }))
        .status
    ).toBe(400)
  })

  it('a member may issue keys but not set their limits or policy', async () => {
    const t = await ownedTenant()
    const { user } = await directoryStub(env).ensureUser({ email: uniqueEmail('member') })
    await tenantStub(env, t.tenantId).addMember(
      { userId: 'test' },
      { userId: user.id, email: user.email, role: 'member' }
    )
    const member = await (
      await tokensFor((env as unknown as { AUTH_SIGNING_KEY: string }).AUTH_SIGNING_KEY)
    ).issueScoped({ userId: user.id, tenantId: t.tenantId, role: 'member', env: 'dev' })
    expect((await api('POST', '/tenant/api-keys', member, { name: 'plain' })).status).toBe(201)
    for (const extra of [
      { limits: { requestsPerMinute: 5 } },
      { budget: { dailyMicroUsd: 5 } },
      { policy: { models: { allow: ['*'] } } },
    ]) {
      const res = await api('POST', '/tenant/api-keys', member, { name: 'limited', ...extra })
      expect(res.status).toBe(403)
    }
    expect(
      (
        await api('POST', '/tenant/api-keys', t.owner, {
          name: 'ok',
          limits: { requestsPerMinute: 5 },
        })
      ).status
    ).toBe(201)
    const listed = await call<{ data: { id: string }[] }>(
      'GET',
      '/tenant/api-keys',
      t.owner,
      undefined,
      200
    )
    expect(listed.data.length).toBe(3)
    expect(JSON.stringify(listed)).not.toMatch(/tp_dev_[A-Za-z0-9]{40}/)
  })
})

describe('rotation and revocation', () => {
  it('rotation: the new key works at once, the old one until its grace period ends', async () => {
    const t = await ownedTenant()
    const old = await issue(t.owner, { endpoints: ['chat'] })
    expect((await chat(old.key)).status).toBe(200)
    const rotated = await call<{
      issued: IssuedApiKey
      previous: { expiresAt: string; rotatedTo: string }
    }>('POST', `/tenant/api-keys/${old.id}/rotate`, t.owner, { graceSeconds: 2 }, 201)
    expect(rotated.previous.rotatedTo).toBe(rotated.issued.id)
    // The new key inherits the old one's scopes.
    expect((await chat(rotated.issued.key)).status).toBe(200)
    expect((await embed(rotated.issued.key)).status).toBe(403)
    expect((await chat(old.key)).status).toBe(200)
    // The grace period, plus at most the isolate's 5 s trust in the snapshot it had.
    const waited = await until(() => chat(old.key), 401)
    expect(waited).toBeLessThan(2000 + 5000 + 1000)
    expect((await chat(rotated.issued.key)).status).toBe(200)
    // A rotated key cannot be rotated again.
    expect((await api('POST', `/tenant/api-keys/${old.id}/rotate`, t.owner, {})).status).toBe(404)

    const now = await issue(t.owner, {})
    const r0 = await call<{ issued: IssuedApiKey }>(
      'POST',
      `/tenant/api-keys/${now.id}/rotate`,
      t.owner,
      { graceSeconds: 0 },
      201
    )
    expect(await errorCode(await chat(now.key))).toBe('revoked_api_key')
    expect((await chat(r0.issued.key)).status).toBe(200)
  }, 15_000)

  it('revocation reaches a warm gateway within 10 s (measured), through Upstash Redis', async () => {
    const t = await ownedTenant()
    const key = await issue(t.owner, {})
    // Warm this isolate's cache: the key is now trusted from memory for up to its TTL.
    for (let i = 0; i < 3; i++) expect((await chat(key.key)).status).toBe(200)
    const revokedAt = Date.now()
    await call('DELETE', `/tenant/api-keys/${key.id}`, t.owner, undefined, 200)
    const delay = await until(() => chat(key.key), 401)
    console.log(
      `revocation delay: ${Date.now() - revokedAt} ms to the first 401 (${delay} ms after the API answered)`
    )
    expect(delay).toBeLessThan(10_000)
    // The revoked snapshot is what Upstash (Redis) holds.
    const raw = await readHot(env, cacheKeys.apiKey(await hashApiKey(key.key)))
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ status: 'revoked', keyId: key.id })
    const direct = await fetch(inject('upstash').url, {
      method: 'POST',
      headers: { authorization: `Bearer ${inject('upstash').token}` },
      body: JSON.stringify(['GET', cacheKeys.apiKey(await hashApiKey(key.key))]),
    })
    expect(JSON.parse((await direct.json<{ result: string }>()).result)).toMatchObject({
      status: 'revoked',
    })
  }, 15_000)

  it('falls back to KV when Upstash is unreachable', async () => {
    const t = await ownedTenant()
    const hash = await hashApiKey(t.apiKey.key)
    const broken = {
      ...(env as unknown as { KEY_CACHE: KVNamespace }),
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: 'x',
    }
    const raw = await readHot(broken, cacheKeys.apiKey(hash))
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ keyId: t.apiKey.id, status: 'active' })
  })
})

describe('hierarchical policies', () => {
  it(
    'tenant -> environment -> key layers resolve into the snapshot the gateway enforces',
    { timeout: 20_000 },
    async () => {
      const t = await ownedTenant()
      const tenant = await call<{ policy: { version: number }; republished: number }>(
        'PUT',
        '/tenant/policies/tenant',
        t.owner,
        {
          models: { allow: ['mock-gpt', 'mock-claude', 'fast'] },
          rateLimits: { perKey: { requestsPerMinute: 1000 } },
        },
        200
      )
      expect(tenant.policy.version).toBe(1)
      expect(tenant.republished).toBe(1)
      const refused = await chat(t.apiKey.key, 'mock-gemini')
      expect(refused.status).toBe(403)
      expect(await errorCode(refused)).toBe('model_not_allowed')
      expect((await chat(t.apiKey.key, 'mock-claude')).status).toBe(200)

      await call(
        'PUT',
        '/tenant/policies/environments/dev',
        t.owner,
        { guardrails: { blockedTerms: ['Project Zeus'] } },
        200
      )
      // A warm isolate sees a policy change within its snapshot TTL (5 s).
      const zeus = () => chat(t.apiKey.key, 'mock-gpt', {}, 'tell me about project zeus')
      expect(await until(zeus, 400)).toBeLessThan(6000)
      expect(await errorCode(await zeus())).toBe('guardrail_blocked')

      // The key's own layer: an alias, and an allow list that can only narrow the tenant's.
      await call(
        'PUT',
        `/tenant/api-keys/${t.apiKey.id}/policy`,
        t.owner,
        {
          routing: { aliases: { fast: 'mock-gpt' } },
          models: { allow: ['mock-gpt', 'fast', 'mock-gemini'] },
        },
        200
      )
      expect(await until(() => chat(t.apiKey.key, 'fast'), 200)).toBeLessThan(6000)
      const aliased = await chat(t.apiKey.key, 'fast')
      expect(aliased.headers.get('x-trueport-model')).toBe('mock-gpt')
      // mock-gemini is in the key's list but not the tenant's: still refused. mock-claude is
      // in the tenant's but not the key's: refused too.
      expect((await chat(t.apiKey.key, 'mock-gemini')).status).toBe(403)
      expect((await chat(t.apiKey.key, 'mock-claude')).status).toBe(403)

      const resolved = await call<ResolvedPolicy>(
        'GET',
        `/tenant/policies/resolved?keyId=${t.apiKey.id}`,
        t.owner,
        undefined,
        200
      )
      expect(resolved.versions).toContain('tenant@1')
      expect(resolved.versions).toContain('env:dev@1')
      expect(resolved.versions).toContain(`key:${t.apiKey.id}@`)
      expect(resolved.limits.requestsPerMinute).toBe(1000)

      // A second tenant version; the history keeps both.
      await call('PUT', '/tenant/policies/tenant', t.owner, { models: { allow: ['*'] } }, 200)
      const history = await call<{ current: { version: number }; history: unknown[] }>(
        'GET',
        '/tenant/policies/tenant',
        t.owner,
        undefined,
        200
      )
      expect(history.current.version).toBe(2)
      expect(history.history).toHaveLength(2)
    }
  )

  it("a policy's fallbacks are tried when the model's own targets fail", async () => {
    const t = await ownedTenant()
    const model = `mock-policy-fb-${Date.now()}`
    await call(
      'PUT',
      '/tenant/policies/tenant',
      t.owner,
      { routing: { fallbacks: { [model]: ['mock-claude'] } } },
      200
    )
    await scriptFaults(model, 'status:500')
    const res = await chat(t.apiKey.key, model)
    expect(res.status).toBe(200)
    expect(res.headers.get('x-trueport-provider')).toBe('anthropic')
    expect(res.headers.get('x-trueport-attempts')).toBe('2')
  })

  it('refuses invalid documents and tenant-wide settings below the tenant layer', async () => {
    const t = await ownedTenant()
    const bad = await api('PUT', '/tenant/policies/tenant', t.owner, {
      rateLimits: { perKey: { requestsPerMinute: -1 } },
    })
    expect(bad.status).toBe(400)
    expect(
      (await api('PUT', '/tenant/policies/tenant', t.owner, { unknownField: true })).status
    ).toBe(400)
    const envWide = await api('PUT', '/tenant/policies/environments/prod', t.owner, {
      budgets: { perTenant: { dailyMicroUsd: 5 } },
    })
    expect(envWide.status).toBe(400)
    expect((await api('PUT', '/tenant/policies/environments/qa', t.owner, {})).status).toBe(404)
    expect(
      (await api('PUT', '/tenant/api-keys/key_doesnotexist0000000/policy', t.owner, {})).status
    ).toBe(404)
  })
})

describe('usage rollups', () => {
  it('counts requests, tokens and cost per key and model, once each', async () => {
    const t = await ownedTenant()
    // Bodies are read, as clients do: the record is made once the answer has gone out.
    for (const model of ['mock-gpt', 'mock-gpt', 'mock-gpt', 'mock-claude'])
      expect((await (await chat(t.apiKey.key, model)).text()).length).toBeGreaterThan(0)
    type Row = { keyId: string; model: string; requests: number; promptTokens: number }
    let rows: Row[] = []
    for (let i = 0; i < 40 && rows.reduce((n, r) => n + r.requests, 0) < 4; i++) {
      await new Promise((r) => setTimeout(r, 50))
      rows = (
        await call<{ data: Row[] }>(
          'GET',
          '/tenant/usage?groupBy=key,model',
          t.owner,
          undefined,
          200
        )
      ).data
    }
    expect(rows.find((r) => r.model === 'mock-gpt')).toMatchObject({
      keyId: t.apiKey.id,
      requests: 3,
    })
    expect(rows.find((r) => r.model === 'mock-claude')?.requests).toBe(1)
    expect(rows.every((r) => r.promptTokens > 0)).toBe(true)
    const byHour = await call<{ data: { hour: string; requests: number }[] }>(
      'GET',
      '/tenant/usage?groupBy=hour',
      t.owner,
      undefined,
      200
    )
    expect(byHour.data[0]?.hour).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}$/)
    expect((await api('GET', '/tenant/usage?groupBy=color', t.owner)).status).toBe(400)
  })
})

describe('OpenAPI', () => {
  it('documents every route with its schemas at /api/v1/openapi.json', async () => {
    const doc = await call<{
      openapi: string
      paths: Record<string, Record<string, { requestBody?: unknown; 'x-trueport-access': string }>>
    }>('GET', '/openapi.json', undefined, undefined, 200)
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.paths['/api/v1/tenant/api-keys']?.post?.requestBody).toBeDefined()
    expect(doc.paths['/api/v1/tenant/api-keys/{id}/rotate']?.post?.['x-trueport-access']).toBe(
      'keys:write'
    )
    expect(doc.paths['/api/v1/auth/login']?.post?.['x-trueport-access']).toBe('public')
    expect(Object.keys(doc.paths).length).toBeGreaterThan(20)
  })
})
