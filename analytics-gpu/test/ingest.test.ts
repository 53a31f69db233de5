import {
  encodeBatch,
  generateSigningJwk,
  signerFromJwk,
  batchKey,
  type AuditSigner,
  type ObjectStore,
} from '@trueport/audit'
import type { Db, MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ingestor } from '../src/ingest/ingestor'
import { collections, dailyCounts } from '../src/store/violations'
import { analyticsFixture, chatRecord, writeBatches as writeAll } from './support'

let client: MongoClient
let db: Db
let store: ObjectStore
let signer: AuditSigner

beforeAll(async () => {
  ;({ client, db, store, signer } = await analyticsFixture('ingest'))
})
afterAll(() => client.close())

const record = chatRecord
const writeBatches = (tenantId: string, from: number, to: number) =>
  writeAll(store, signer, tenantId, from, to)

describe('ingestion from S3 with leases and checkpoints (s3rver + FerretDB)', () => {
  it('two instances share the work; every record is analysed exactly once; a restart repeats nothing', async () => {
    const tenantId = `ten_ingest${Date.now()}`
    await writeBatches(tenantId, 1, 6)
    const make = () => new Ingestor({ db, store, auditKeys: [signer.publicJwk] })
    const [a, b] = [make(), make()]
    const [ra, rb] = await Promise.all([a.poll(tenantId), b.poll(tenantId)])
    expect(ra.objects + rb.objects).toBe(6)
    expect(ra.records + rb.records).toBe(120)
    const c = collections(db)
    expect(await c.interactions.countDocuments({ tenantId })).toBe(120)
    expect(await c.interactions.countDocuments({ tenantId, clean: true })).toBe(120 - 24 - 30 + 6)
    const injections = await c.violations.countDocuments({ tenantId, detector: 'injection' })
    expect(injections).toBeGreaterThanOrEqual(24)
    const emails = await c.violations.countDocuments({ tenantId, kind: 'email' })
    expect(emails).toBe(30 - 6)

    // A restarted instance finds nothing new and changes no count.
    const again = await make().poll(tenantId)
    expect(again).toMatchObject({ objects: 0, records: 0 })
    expect(again.checkpoint).toBe(batchKey(tenantId, '2026-12-02T10', 6))
    // The rollups agree with the violations, though both instances upserted them at once.
    const daily = await dailyCounts(db, tenantId, '2026-12-02', '2026-12-02')
    expect(daily.find((r) => r._id.kind === 'email')?.count).toBe(emails)
    const injectionCount = daily
      .filter((r) => r._id.detector === 'injection')
      .reduce((n, r) => n + r.count, 0)
    expect(injectionCount).toBe(injections)

    // New objects after the checkpoint are picked up.
    await writeBatches(tenantId, 7, 7)
    expect(await make().poll(tenantId)).toMatchObject({ objects: 1, records: 20 })
    expect(await c.interactions.countDocuments({ tenantId })).toBe(140)
  })

  it('a batch that fails verification is not analysed and holds the checkpoint', async () => {
    const tenantId = `ten_tamper${Date.now()}`
    await writeBatches(tenantId, 1, 1)
    const forger = await signerFromJwk(await generateSigningJwk('forger'))
    const forged = await encodeBatch(
      {
        tenantId,
        seq: 2,
        prev: null,
        period: '2026-12-02T10',
        createdAt: new Date().toISOString(),
      },
      [record(tenantId, 99, 'hi')],
      forger
    )
    await store.put(batchKey(tenantId, '2026-12-02T10', 2), forged.body, {
      contentType: 'application/x-ndjson',
      custom: {},
    })
    const r = await new Ingestor({ db, store, auditKeys: [signer.publicJwk] }).poll(tenantId)
    expect(r).toMatchObject({
      objects: 1,
      failed: 1,
      checkpoint: batchKey(tenantId, '2026-12-02T10', 1),
    })
    expect(await collections(db).interactions.countDocuments({ _id: `req-${tenantId}-99` })).toBe(0)
  })
})
