import { MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'

const { mongoUrl } = inject('services')

describe('mongodb driver against FerretDB (real MongoDB wire protocol)', () => {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 })
  beforeAll(() => client.connect())
  afterAll(() => client.close())

  it('pings the server', async () => {
    expect(await client.db('admin').command({ ping: 1 })).toMatchObject({ ok: 1 })
  })

  it('inserts, indexes, upserts rollups with $inc and aggregates with $group', async () => {
    const db = client.db(`conn_${Date.now()}`)
    const violations = db.collection<{ tenantId: string; day: string; type: string }>('violations')
    await violations.createIndex({ tenantId: 1, day: 1 })
    await violations.insertMany([
      { tenantId: 't1', day: '2026-12-01', type: 'pii' },
      { tenantId: 't1', day: '2026-12-01', type: 'injection' },
      { tenantId: 't2', day: '2026-12-01', type: 'pii' },
    ])
    const rollups = db.collection<{ _id: string; count: number }>('rollups')
    for (let i = 0; i < 3; i++) {
      await rollups.updateOne(
        { _id: 't1:2026-12-01:pii' },
        { $inc: { count: 1 } },
        { upsert: true }
      )
    }
    expect(await rollups.findOne({ _id: 't1:2026-12-01:pii' })).toEqual({
      _id: 't1:2026-12-01:pii',
      count: 3,
    })
    const byTenant = await violations
      .aggregate<{ _id: string; n: number }>([
        { $group: { _id: '$tenantId', n: { $sum: 1 } } },
        { $sort: { _id: 1 } },
      ])
      .toArray()
    expect(byTenant).toEqual([
      { _id: 't1', n: 2 },
      { _id: 't2', n: 1 },
    ])
  })

  it('enforces unique indexes', async () => {
    const coll = client.db(`conn_${Date.now()}`).collection('checkpoints')
    await coll.createIndex({ objectKey: 1 }, { unique: true })
    await coll.insertOne({ objectKey: 'a' })
    await expect(coll.insertOne({ objectKey: 'a' })).rejects.toThrow(/duplicate key/i)
  })
})
