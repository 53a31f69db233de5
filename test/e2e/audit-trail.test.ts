import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  batchKey,
  decodeBatch,
  r2Store,
  s3Store,
  signerFromJwk,
  tenantPrefix,
  verifyTenant,
  type ObjectStore,
} from '@trueport/audit'
import { mockProvidersConfig, startMockProvider, type MockProvider } from '@trueport/mock-provider'
import type { JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { newLocalSecrets } from '../../scripts/lib/local-secrets'
import { startFlakyProxy, type FlakyProxy } from '../services/flaky-proxy'
import { startGateway, type RunningGateway } from '../support/gateway'

// The gateway in workerd over real HTTP (Miniflare, direct socket), the mock provider, and the
// tenant's own bucket: s3rver behind a proxy that fails a share of writes. R2's writes fail
// through the spool's fault drill. (Not in the workerd pool: SELF.fetch slows down request by
// request within a test file, which 10,000 requests make unusable.)
const TOTAL = 10_000
const CONCURRENCY = 32
const BUCKET = 'trueport-audit'
const TOKEN = 'gateway-test-bootstrap'

let mock: MockProvider
let gw: RunningGateway
let flaky: FlakyProxy
let keys: JWK[]
let notifyUrl: string
let closeNotify: () => void
const notified: { tenantId: string; key: string; seq: number }[] = []

beforeAll(async () => {
  const secrets = await newLocalSecrets()
  keys = [(await signerFromJwk(JSON.parse(secrets.AUDIT_SIGNING_KEY) as JWK)).publicJwk]
  // The analytics box's push endpoint, as the spool sees it.
  const sink = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      notified.push(JSON.parse(body) as (typeof notified)[number])
      res.end('ok')
    })
  })
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
  notifyUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/ingest/notify`
  closeNotify = () => sink.close()
  mock = await startMockProvider()
  flaky = await startFlakyProxy(inject('services').s3Endpoint)
  gw = await startGateway({
    PROVIDERS: JSON.stringify(mockProvidersConfig(mock.url)),
    ...secrets,
    AUDIT_FAULT_DRILL: 'r2=0.3',
  })
}, 120_000)

afterAll(async () => {
  await gw?.close()
  await flaky?.stop()
  await mock?.close()
  closeNotify?.()
})

const s3 = () => inject('services')

async function bootstrap(slug: string, prefix: string) {
  const res = await fetch(`${gw.url}/internal/bootstrap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: {
        slug,
        name: slug,
        audit: {
          privacy: 'full',
          destinations: 'r2+tenant',
          notifyUrl,
          bucket: {
            endpoint: flaky.url,
            region: s3().s3Region,
            bucket: BUCKET,
            prefix,
            forcePathStyle: true,
            accessKeyId: s3().s3AccessKeyId,
            secretAccessKey: s3().s3SecretAccessKey,
          },
        },
      },
      admin: { email: `owner@${slug}.example`, password: 'correct horse battery staple' },
      apiKey: {
        name: 'audit',
        environment: 'prod',
        limits: { requestsPerMinute: 10_000_000, tokensPerMinute: 0 },
      },
    }),
  })
  return {
    status: res.status,
    body: (await res.json()) as { tenantId: string; apiKey?: { key: string } },
  }
}

async function ids(store: ObjectStore, tenantId: string, root: string) {
  const out: string[] = []
  for await (const key of store.list(`${tenantPrefix(tenantId, root)}batches/`)) {
    const b = await decodeBatch((await store.get(key)) ?? new Uint8Array(), keys)
    if (!b.ok) throw new Error(`${key}: ${b.why}`)
    for (const r of b.records as { id: string }[]) out.push(r.id)
  }
  return out
}

describe('audit trail end to end', () => {
  it(`${TOTAL} requests with R2 and S3 writes failing part of the time: exactly ${TOTAL} records in one chain, in both`, async () => {
    const slug = `audit-${Date.now().toString(36)}`
    const root = `e2e/${slug}`
    const { status, body } = await bootstrap(slug, root)
    expect(status).toBe(201)
    const key = body.apiKey?.key ?? ''
    const tenantId = body.tenantId
    await fetch(`${flaky.url}/__faults`, {
      method: 'POST',
      body: JSON.stringify({ putFailureRate: 0.25, reset: 0.05 }),
    })

    const sent = new Set<string>()
    let next = 0
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'mock-gpt',
            stream: i % 10 === 0,
            messages: [{ role: 'user', content: `request ${i}` }],
          }),
        })
        await res.arrayBuffer()
        expect(res.status).toBe(200)
        sent.add(res.headers.get('x-request-id') ?? '')
      }
    }
    const started = Date.now()
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    console.log(`${TOTAL} requests in ${Date.now() - started} ms`)
    expect(sent.size).toBe(TOTAL)

    // Drain: appends finish in waitUntil; batches are retried while writes still fail.
    let state = { pending: -1, undelivered: -1, records: 0 }
    for (let i = 0; i < 600; i++) {
      const res = await fetch(`${gw.url}/internal/audit/${tenantId}/flush`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      })
      state = (await res.json()) as typeof state
      if (state.pending === 0 && state.undelivered === 0 && state.records >= TOTAL) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(state).toMatchObject({ pending: 0, undelivered: 0, records: TOTAL })
    const faults = (await (await fetch(`${flaky.url}/__faults`)).json()) as { failed: number }
    expect(faults.failed).toBeGreaterThan(0)

    const r2 = r2Store(await gw.mf.getR2Bucket('AUDIT_BUCKET'))
    const bucket = s3Store({
      endpoint: s3().s3Endpoint,
      region: s3().s3Region,
      bucket: BUCKET,
      accessKeyId: s3().s3AccessKeyId,
      secretAccessKey: s3().s3SecretAccessKey,
    })
    for (const [store, prefix] of [
      [r2, ''],
      [bucket, root],
    ] as const) {
      const report = await verifyTenant(store, tenantId, keys, { root: prefix })
      expect(report).toMatchObject({ ok: true, records: TOTAL, problems: [] })
      const recorded = await ids(store, tenantId, prefix)
      expect(recorded).toHaveLength(TOTAL)
      expect(new Set(recorded)).toEqual(sent)
    }

    // Each delivered batch was announced to the push endpoint (best effort, so at most once).
    const ours = notified.filter((n) => n.tenantId === tenantId)
    expect(ours.length).toBeGreaterThan(0)
    expect(ours.length).toBeLessThanOrEqual(state.records)
    expect(ours[0]?.key).toMatch(new RegExp(`^audit/v1/${tenantId}/batches/`))

    // Tampering: one batch deleted and another edited in R2; the verifier names both.
    let firstKey = ''
    for await (const k of r2.list(`${tenantPrefix(tenantId)}batches/`)) {
      firstKey = k
      break
    }
    const period = /batches\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\//.exec(firstKey)
    if (!period) throw new Error('no batch found')
    const hour = `${period[1]}-${period[2]}-${period[3]}T${period[4]}`
    const r2raw = (await gw.mf.getR2Bucket('AUDIT_BUCKET')) as unknown as {
      delete(k: string): Promise<void>
    }
    await r2raw.delete(batchKey(tenantId, hour, 2))
    const victim = batchKey(tenantId, hour, 3)
    const edited = (await r2.get(victim))?.slice()
    if (!edited) throw new Error('batch 3 missing')
    edited[edited.length - 20] = (edited[edited.length - 20] ?? 0) ^ 0xff
    await r2.put(victim, edited, { contentType: 'application/gzip', custom: {} })
    const after = await verifyTenant(r2, tenantId, keys)
    expect(after.ok).toBe(false)
    expect(after.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'missing', seq: 2 }),
        expect.objectContaining({ kind: 'altered', seq: 3, key: victim }),
      ])
    )
  }, 600_000)

  it("refuses a bucket prefix that would reach into another tenant's objects", async () => {
    const slug = `audit-x-${Date.now().toString(36)}`
    const { status, body } = await bootstrap(slug, `e2e/victim/audit/v1/ten_victim`)
    expect(status).toBe(400)
    expect(JSON.stringify(body)).toContain('audit/v1')
  })
})
