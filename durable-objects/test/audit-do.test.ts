import type { JWK } from 'jose'
import {
  manifestKey,
  r2Store,
  s3FetchStore,
  signerFromJwk,
  tenantPrefix,
  verifyTenant,
  type ObjectStore,
} from '@trueport/audit'
import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { auditStub } from '../src'
import type { AuditDO } from '../src/audit-do'

const keys = async () => [
  (
    await signerFromJwk(
      JSON.parse((env as unknown as { AUDIT_SIGNING_KEY: string }).AUDIT_SIGNING_KEY) as JWK
    )
  ).publicJwk,
]
let n = 0
const tenant = () => `ten_auditdo_${Date.now().toString(36)}_${++n}`
const line = (id: string) => JSON.stringify({ v: 1, id, note: 'test' })
const items = (from: number, count: number, prefix = 'r') =>
  Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${from + i}`,
    line: line(`${prefix}-${from + i}`),
  }))

/** A store that fails a share of writes (the destination is unreachable, or refuses). */
function flaky(store: ObjectStore, failureRate: number): ObjectStore {
  return {
    ...store,
    name: `flaky(${store.name})`,
    put: (key, body, meta) =>
      Math.random() < failureRate
        ? Promise.reject(new Error('injected write failure'))
        : store.put(key, body, meta),
  }
}

async function drain(id: string) {
  const stub = auditStub(env, id)
  for (let i = 0; i < 200; i++) {
    const s = await stub.flush({ force: true })
    if (s.pending === 0 && s.undelivered === 0) return s
  }
  throw new Error('did not drain')
}

describe('AuditDO', () => {
  it('keeps each record once, however often it is appended', async () => {
    const id = tenant()
    const stub = auditStub(env, id)
    expect(await stub.append(id, items(0, 10))).toEqual({ accepted: 10, duplicates: 0 })
    expect(await stub.append(id, items(5, 10))).toEqual({ accepted: 5, duplicates: 5 })
    await drain(id)
    // Appended again after its batch was made: still recognised.
    expect(await stub.append(id, items(0, 3))).toEqual({ accepted: 0, duplicates: 3 })
    const report = await verifyTenant(r2Store(env.AUDIT_BUCKET), id, await keys())
    expect(report).toMatchObject({ ok: true, records: 15 })
  })

  it('spools while writes fail and delivers every record exactly once, in one verifiable chain', async () => {
    const id = tenant()
    const stub = auditStub(env, id)
    await runInDurableObject(stub, (instance: AuditDO) => {
      instance.wrapStore = (s) => flaky(s, 0.5)
    })
    for (let i = 0; i < 20; i++) {
      await stub.append(id, items(i * 100, 100))
      await stub.flush({ force: true })
    }
    const s = await drain(id)
    expect(s.pending).toBe(0)
    const report = await verifyTenant(r2Store(env.AUDIT_BUCKET), id, await keys())
    expect(report).toMatchObject({ ok: true, records: 2000, problems: [] })
  })

  it('signs the manifest of each finished hour', async () => {
    const id = tenant()
    const stub = auditStub(env, id)
    await stub.append(id, items(0, 5))
    await stub.flush({ force: true })
    const later = Date.now() + 3600_000
    await stub.flush({ force: true, now: later })
    const periods = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec<{ period: string }>('SELECT period FROM manifests').toArray()
    )
    expect(periods).toHaveLength(1)
    const store = r2Store(env.AUDIT_BUCKET)
    expect(await store.get(manifestKey(id, periods[0]?.period ?? ''))).toBeDefined()
    const report = await verifyTenant(store, id, await keys(), { now: later + 3 * 3600_000 })
    expect(report).toMatchObject({ ok: true, manifests: 1, openPeriods: [] })
  })

  it("writes to the tenant's own bucket, with its secret sealed, and only under its prefix", async () => {
    const s3 = inject('tenantS3')
    const id = tenant()
    const stub = auditStub(env, id)
    const configured = await stub.configure({
      tenantId: id,
      destinations: 'tenant',
      bucket: {
        endpoint: s3.directEndpoint,
        region: s3.region,
        bucket: s3.bucket,
        prefix: `org/${id}`,
        accessKeyId: s3.accessKeyId,
        secretAccessKey: s3.secretAccessKey,
      },
    })
    expect(configured).toEqual({ ok: true })
    // (s3rver's key id and secret are the same string, so the checks look for the fields.)
    expect(await stub.describe()).not.toHaveProperty('bucket.secretAccessKey')
    const stored = await runInDurableObject(
      stub,
      (_i, state) => state.storage.sql.exec<{ v: string }>('SELECT v FROM config').one().v
    )
    expect(stored).not.toContain('secretAccessKey')
    expect(JSON.parse(stored)).toMatchObject({
      bucket: { secret: { v: 1, kek: expect.any(String), key: expect.any(String) } },
    })

    await stub.append(id, items(0, 7))
    await drain(id)
    const bucket = s3FetchStore({ ...s3, endpoint: s3.directEndpoint, bucket: s3.bucket })
    const report = await verifyTenant(bucket, id, await keys(), { root: `org/${id}` })
    expect(report).toMatchObject({ ok: true, records: 7 })
    // Not in R2: this tenant keeps its records only in its own bucket.
    const inR2: string[] = []
    for await (const k of r2Store(env.AUDIT_BUCKET).list(tenantPrefix(id))) inR2.push(k)
    expect(inR2).toEqual([])
  })

  it('refuses to be configured for another tenant', async () => {
    const id = tenant()
    const stub = auditStub(env, id)
    await stub.append(id, items(0, 1))
    expect(
      await stub.configure({ tenantId: 'ten_someone_else', destinations: 'r2' })
    ).toMatchObject({
      ok: false,
    })
  })
})
