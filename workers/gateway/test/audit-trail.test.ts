import {
  decodeBatch,
  r2Store,
  signerFromJwk,
  tenantPrefix,
  type ObjectStore,
} from '@trueport/audit'
import type { AuditRecordV1 } from '@trueport/contracts'
import { auditStub } from '@trueport/durable-objects'
import { SELF, env } from 'cloudflare:test'
import type { JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { ORIGIN, newTenant, post } from './helpers'

const signingKey = () => (env as unknown as { AUDIT_SIGNING_KEY: string }).AUDIT_SIGNING_KEY
const publicKey = async () => (await signerFromJwk(JSON.parse(signingKey()) as JWK)).publicJwk

const chat = (key: string, content: string, extra: Record<string, unknown> = {}) =>
  post('/v1/chat/completions', key, {
    model: 'mock-gpt',
    messages: [{ role: 'user', content }],
    ...extra,
  })

/** Flushes the tenant's spool until everything is delivered (retries forced). */
async function drain(tenantId: string, rounds = 50) {
  const stub = auditStub(env, tenantId)
  for (let i = 0; i < rounds; i++) {
    const s = await stub.flush({ force: true })
    if (s.pending === 0 && s.undelivered === 0) return s
  }
  throw new Error(
    `audit spool of ${tenantId} did not drain: ${JSON.stringify(await stub.status())}`
  )
}

/** Every record in the tenant's objects, in chain order. */
async function records(store: ObjectStore, tenantId: string): Promise<AuditRecordV1[]> {
  const out: AuditRecordV1[] = []
  const keys = [await publicKey()]
  for await (const key of store.list(`${tenantPrefix(tenantId)}batches/`)) {
    const body = await store.get(key)
    const b = body ? await decodeBatch(body, keys) : undefined
    if (!b?.ok) throw new Error(`bad batch ${key}`)
    out.push(...(b.records as AuditRecordV1[]))
  }
  return out
}

/** Waits until the spool has taken `n` records (appends run in waitUntil). */
async function settled(tenantId: string, n: number) {
  const stub = auditStub(env, tenantId)
  for (let i = 0; i < 200; i++) {
    const s = await stub.status()
    if (s.pending + s.records >= n) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`the spool of ${tenantId} did not receive ${n} records`)
}

describe('audit trail', () => {
  it('records one interaction with ids, route, usage, cost, latency split and decisions', async () => {
    const t = await newTenant()
    const res = await chat(t.apiKey.key, 'hello audit', { max_tokens: 50 })
    expect(res.status).toBe(200)
    const id = res.headers.get('x-request-id')
    await res.text()
    await settled(t.tenantId, 1)
    await drain(t.tenantId)
    const [r] = await records(r2Store(env.AUDIT_BUCKET), t.tenantId)
    expect(r).toMatchObject({
      v: 1,
      id,
      tenantId: t.tenantId,
      keyId: t.apiKey.id,
      environment: 'dev',
      route: { method: 'POST', path: '/v1/chat/completions', surface: 'openai' },
      model: 'mock-gpt',
      provider: 'openai',
      upstream: 'mock-openai',
      attempts: 1,
      stream: false,
      status: 200,
      privacy: 'full',
    })
    expect(r?.request.text).toContain('hello audit')
    expect(r?.response.text).toContain('mock provider')
    expect(r?.usage?.total_tokens).toBeGreaterThan(0)
    expect(r?.costMicroUsd).toBeGreaterThan(0)
    expect(r?.latency.totalMs).toBeGreaterThanOrEqual(r?.latency.upstreamMs ?? 0)
    expect(r?.decisions.map((d) => d.kind)).toEqual(['rate_limit', 'routing'])
  })

  it('assembles streamed answers and records failures and refusals', async () => {
    const t = await newTenant({ keyLimits: { requestsPerMinute: 2, tokensPerMinute: 0 } })
    const s = await chat(t.apiKey.key, 'stream please', { stream: true })
    const streamed = await s.text()
    expect(streamed).toContain('[DONE]')
    const missing = await post('/v1/chat/completions', t.apiKey.key, {
      model: 'nope',
      messages: [],
    })
    expect(missing.status).toBe(400)
    await missing.text()
    const limited = await chat(t.apiKey.key, 'third')
    expect(limited.status).toBe(429)
    await limited.text()
    await settled(t.tenantId, 3)
    await drain(t.tenantId)
    const all = await records(r2Store(env.AUDIT_BUCKET), t.tenantId)
    expect(all).toHaveLength(3)
    const byStatus = Object.fromEntries(all.map((r) => [r.status, r]))
    expect(byStatus[200]).toMatchObject({ stream: true })
    expect(byStatus[200]?.response.assembled).toContain('mock provider')
    expect(byStatus[400]?.error?.code).toBe('invalid_request')
    expect(byStatus[429]).toMatchObject({ error: { code: 'rate_limited' } })
    expect(byStatus[429]?.decisions).toEqual([{ kind: 'rate_limit', outcome: 'refused' }])
  })

  it('publishes the public key the trail is signed with', async () => {
    const res = await SELF.fetch(`${ORIGIN}/.well-known/trueport-audit-keys.json`)
    expect(res.status).toBe(200)
    const jwks = await res.json<{ keys: JWK[] }>()
    expect(jwks.keys).toEqual([await publicKey()])
    expect(JSON.stringify(jwks)).not.toContain('"d"')
  })

  it.each([
    ['redacted', (r: AuditRecordV1) => expect(r.request.text).toContain('[REDACTED:email]')],
    ['metadata', (r: AuditRecordV1) => expect(r.request.text).toBeUndefined()],
  ] as const)("keeps content as the tenant's privacy mode says: %s", async (privacy, check) => {
    const slug = `privacy-${privacy}-${Date.now().toString(36)}`
    const boot = await post(
      '/internal/bootstrap',
      undefined,
      {
        tenant: { slug, name: slug, audit: { privacy } },
        admin: { email: `owner@${slug}.example`, password: 'correct horse battery staple' },
        apiKey: {
          name: 'k',
          environment: 'dev',
          limits: { requestsPerMinute: 0, tokensPerMinute: 0 },
        },
      },
      { authorization: 'Bearer test-bootstrap-token' }
    )
    const { tenantId, apiKey } = await boot.json<{ tenantId: string; apiKey: { key: string } }>()
    const res = await chat(apiKey.key, 'write to ana@example.com please')
    await res.text()
    await settled(tenantId, 1)
    await drain(tenantId)
    const [r] = await records(r2Store(env.AUDIT_BUCKET), tenantId)
    expect(r?.privacy).toBe(privacy)
    expect(JSON.stringify(r)).not.toContain('ana@example.com')
    expect(r?.request.sha256).toMatch(/^[0-9a-f]{64}$/)
    if (r) check(r)
  })
})
