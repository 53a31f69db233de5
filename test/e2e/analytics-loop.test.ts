import { buildApp } from '@trueport/analytics'
import { mockProvidersConfig, startMockProvider, type MockProvider } from '@trueport/mock-provider'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { loadConfig } from '@trueport/analytics/config'
import { newLocalSecrets } from '../../scripts/lib/local-secrets'
import { startGateway, type RunningGateway } from '../support/gateway'

// The whole loop, every part real: the gateway in workerd records interactions into the
// tenant's own bucket (s3rver) and tells the analytics box; the box pulls, verifies and
// analyses the batches, stores violations in FerretDB, and pushes a signed summary back to the
// gateway's control API, which quarantines the offending key. The dashboard's token, issued by
// the gateway, reads the violations at the box through the gateway's JWKS.
const TOKEN = 'gateway-test-bootstrap'
const BUCKET = 'trueport-audit'
const SUMMARY_SECRET = 'loop-summary-secret-0123456789'
const PASSWORD = 'correct horse battery staple'

let mock: MockProvider
let gw: RunningGateway
let box: FastifyInstance
let boxUrl = ''
const slug = `loop-${Date.now().toString(36)}`
let tenantId = ''
let apiKey = ''
let owner = ''

const s3 = () => inject('services')
const json = async <T>(res: Response | Promise<Response>): Promise<T> => {
  const r = await res
  const text = await r.text()
  if (!r.ok) throw new Error(`${r.url}: ${r.status} ${text}`)
  return JSON.parse(text) as T
}
const control = (path: string, init: RequestInit & { token?: string } = {}) =>
  fetch(`${gw.url}/api/v1${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
  })

beforeAll(async () => {
  mock = await startMockProvider()
  gw = await startGateway({
    PROVIDERS: JSON.stringify(mockProvidersConfig(mock.url)),
    ...(await newLocalSecrets()),
  })
  const keys = await json<{ keys: object[] }>(
    fetch(`${gw.url}/.well-known/trueport-audit-keys.json`)
  )

  // The tenant first (the box's tenant list needs its id), then the box, then the tenant's
  // audit trail is pointed at the box's bucket and push endpoint.
  const boot = await json<{ tenantId: string; apiKey: { key: string } }>(
    fetch(`${gw.url}/internal/bootstrap`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: { slug, name: 'Loop' },
        admin: { email: `owner@${slug}.example`, password: PASSWORD },
        apiKey: {
          name: 'app',
          environment: 'prod',
          limits: { requestsPerMinute: 10_000_000, tokensPerMinute: 0 },
        },
      }),
    })
  )
  tenantId = boot.tenantId
  apiKey = boot.apiKey.key
  box = await buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      MONGODB_URL: s3().mongoUrl,
      MONGODB_DB: `loop_${Date.now()}`,
      CONTROL_JWKS_URL: `${gw.url}/.well-known/jwks.json`,
      S3_ENDPOINT: s3().s3Endpoint,
      S3_REGION: s3().s3Region,
      S3_BUCKET: BUCKET,
      S3_PREFIX: `loop/${slug}`,
      S3_ACCESS_KEY_ID: s3().s3AccessKeyId,
      S3_SECRET_ACCESS_KEY: s3().s3SecretAccessKey,
      ANALYTICS_TENANTS: tenantId,
      AUDIT_KEYS: JSON.stringify(keys),
      POLL_INTERVAL_MS: '600000',
      EDGE_SUMMARY_URL: `${gw.url}/api/v1/analytics/summaries`,
      EDGE_SUMMARY_SECRET: SUMMARY_SECRET,
    })
  )
  boxUrl = await box.listen({ host: '127.0.0.1', port: 0 })

  // The owner signs in and wires the tenant: its bucket, the box, the summary secret.
  const session = await json<{ accessToken: string }>(
    control('/auth/login', {
      method: 'POST',
      body: JSON.stringify({ email: `owner@${slug}.example`, password: PASSWORD }),
    })
  )
  owner = (
    await json<{ accessToken: string }>(
      control('/auth/scope', {
        method: 'POST',
        token: session.accessToken,
        body: JSON.stringify({ tenantId, environment: 'prod' }),
      })
    )
  ).accessToken
  await json(
    control('/tenant/credentials/analytics-summary', {
      method: 'PUT',
      token: owner,
      body: JSON.stringify({ provider: 'trueport-analytics', secret: SUMMARY_SECRET }),
    })
  )
  await json(
    fetch(`${gw.url}/internal/bootstrap`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: {
          slug,
          name: 'Loop',
          audit: {
            privacy: 'full',
            destinations: 'r2+tenant',
            notifyUrl: `${boxUrl}/v1/ingest/notify`,
            bucket: {
              endpoint: s3().s3Endpoint,
              region: s3().s3Region,
              bucket: BUCKET,
              prefix: `loop/${slug}`,
              forcePathStyle: true,
              accessKeyId: s3().s3AccessKeyId,
              secretAccessKey: s3().s3SecretAccessKey,
            },
          },
        },
        admin: { email: `owner@${slug}.example`, password: PASSWORD },
      }),
    })
  )
}, 120_000)

afterAll(async () => {
  await box?.close()
  await gw?.close()
  await mock?.close()
})

const chat = (content: string) =>
  fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content }] }),
  })

describe('edge -> tenant bucket -> analytics -> edge', { timeout: 60_000 }, () => {
  it('a leaked cloud key in prompts becomes violations at the box and a quarantined key at the edge', async () => {
    for (let i = 0; i < 6; i++) {
      const res = await chat(`deploy with AKIAIOSFODNN7EXAMPL${i} now`)
      expect(res.status).toBe(200)
      await res.text()
    }
    const clean = await chat('what is the capital of France?')
    await clean.text()
    // Batch and deliver now (the spool would within a second); the box is notified per batch.
    await json(
      fetch(`${gw.url}/internal/audit/${tenantId}/flush`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    )

    // The gateway refuses the key once the box's summary arrived (within the 5 s snapshot TTL).
    let status = 0
    let code = ''
    for (let i = 0; i < 150 && status !== 403; i++) {
      const res = await chat('hello')
      status = res.status
      code =
        status === 403
          ? ((await res.json()) as { error: { code: string } }).error.code
          : (await res.text(), '')
      if (status !== 403) await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe(403)
    expect(code).toBe('key_quarantined')

    // The security team reads the evidence at the box with the gateway's own token.
    const page = await json<{
      data: { kind: string; field: string; severity: string; evidence: { match: string } }[]
    }>(
      fetch(`${boxUrl}/v1/violations?detector=exfiltration`, {
        headers: { authorization: `Bearer ${owner}` },
      })
    )
    // In each prompt, and again in each answer (the mock provider echoes the prompt).
    const leaks = page.data.filter((v) => v.kind === 'aws_access_key')
    expect(leaks.filter((v) => v.field === 'request')).toHaveLength(6)
    expect(leaks.filter((v) => v.field === 'response')).toHaveLength(6)
    expect(page.data[0]?.evidence.match).toMatch(/^AKIAIOSFODNN7EXAMPL\d$/)
    // The edge keeps the counts only.
    const counts = await json<{ data: { detector: string; severity: string; count: number }[] }>(
      control('/tenant/violations/daily', { token: owner })
    )
    expect(
      counts.data.find((c) => c.detector === 'exfiltration' && c.severity === 'critical')?.count
    ).toBe(12)
    const keys = await json<{ data: { status: string }[] }>(
      control('/tenant/api-keys', { token: owner })
    )
    expect(keys.data[0]?.status).toBe('quarantined')
  })
})
