import { SELF, env } from 'cloudflare:test'
import type { ErrorBody } from '@trueport/contracts'
import { tenantStub } from '@trueport/durable-objects'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTenant, ORIGIN, post } from './helpers'

const chat = { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }
const code = async (res: Response) => (await res.json<ErrorBody>()).error.code

let tenant: Awaited<ReturnType<typeof newTenant>>
beforeAll(async () => {
  tenant = await newTenant()
})

describe('API key authentication', () => {
  it('accepts the key as Bearer, x-api-key (Anthropic SDKs) or x-goog-api-key (Gemini SDKs)', async () => {
    const k = tenant.apiKey.key
    expect((await post('/v1/chat/completions', k, chat)).status).toBe(200)
    expect((await post('/v1/chat/completions', undefined, chat, { 'x-api-key': k })).status).toBe(
      200
    )
    expect(
      (await post('/v1/chat/completions', undefined, chat, { 'x-goog-api-key': k })).status
    ).toBe(200)
  })

  it.each([
    ['no key', undefined, 'missing_api_key'],
    ['a key of the wrong shape', 'sk-not-ours', 'invalid_api_key'],
    ['an unknown key of the right shape', `tp_dev_${'Z'.repeat(40)}`, 'invalid_api_key'],
  ])('rejects %s with 401', async (_name, key, expected) => {
    const res = await post('/v1/chat/completions', key, chat)
    expect(res.status).toBe(401)
    expect(await code(res)).toBe(expected)
  })

  it('stops accepting a revoked key within 10 s', async () => {
    const t = await newTenant()
    expect((await post('/v1/chat/completions', t.apiKey.key, chat)).status).toBe(200)
    const revokedAt = Date.now()
    await tenantStub(env, t.tenantId).revokeApiKey(t.apiKey.id)
    let delay = -1
    while (Date.now() - revokedAt < 10_000) {
      const res = await post('/v1/chat/completions', t.apiKey.key, chat)
      if (res.status === 401) {
        expect(await code(res)).toBe('revoked_api_key')
        delay = Date.now() - revokedAt
        break
      }
      await res.body?.cancel()
      await new Promise((r) => setTimeout(r, 100))
    }
    console.log(`revoked key refused after ${delay} ms`)
    expect(delay).toBeGreaterThanOrEqual(0)
    expect(delay).toBeLessThan(10_000)
  }, 15_000)
})

describe('bootstrap and routing', () => {
  it('refuses bootstrap without the token, and bad input with 400', async () => {
    const noToken = await SELF.fetch(`${ORIGIN}/internal/bootstrap`, { method: 'POST', body: '{}' })
    expect(noToken.status).toBe(403)
    const bad = await SELF.fetch(`${ORIGIN}/internal/bootstrap`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-bootstrap-token' },
      body: JSON.stringify({ tenant: { slug: 'NOT A SLUG', name: 'x' } }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.json<ErrorBody>()).toMatchObject({
      error: { code: 'invalid_request', param: 'tenant.slug' },
    })
  })

  it('is idempotent for an existing tenant and keeps tenants apart', async () => {
    const other = await newTenant()
    expect(other.tenantId).not.toBe(tenant.tenantId)
    expect(other.adminUserId).not.toBe(tenant.adminUserId)
  })

  it('answers /healthz without auth and unknown routes with a 404 error body', async () => {
    const health = await SELF.fetch(`${ORIGIN}/healthz`)
    expect(await health.json()).toMatchObject({ status: 'ok', service: 'gateway' })
    const missing = await SELF.fetch(`${ORIGIN}/nope`)
    expect(missing.status).toBe(404)
    expect(await code(missing)).toBe('not_found')
  })

  it('lists the upstream models for an authenticated key', async () => {
    const res = await SELF.fetch(`${ORIGIN}/v1/models`, {
      headers: { authorization: `Bearer ${tenant.apiKey.key}` },
    })
    expect(res.status).toBe(200)
    expect((await res.json<{ data: { id: string }[] }>()).data.map((m) => m.id)).toContain(
      'mock-gpt'
    )
  })
})
