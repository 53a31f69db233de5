import type { Db, MongoServerError } from 'mongodb'

/** One audit object's processing state, shared by every instance. */
export interface LeaseDoc {
  _id: string
  tenantId: string
  owner: string
  expiresAt: Date
  done: boolean
  records?: number
  doneAt?: Date
}

export interface CheckpointDoc {
  _id: string
  /** Every object up to and including this key is done. */
  lastKey: string
  updatedAt: Date
}

const isDuplicate = (err: unknown) => (err as MongoServerError | undefined)?.code === 11000

export const ingestCollections = (db: Db) => ({
  leases: db.collection<LeaseDoc>('ingest_leases'),
  checkpoints: db.collection<CheckpointDoc>('ingest_checkpoints'),
})

/**
 * Takes the lease on one object for `ms`: free (never seen) or expired (its holder died). Two
 * instances racing for one object: the unique _id lets exactly one insert win.
 */
export async function claim(
  db: Db,
  key: string,
  tenantId: string,
  owner: string,
  ms: number
): Promise<boolean> {
  const { leases } = ingestCollections(db)
  const now = new Date()
  try {
    await leases.insertOne({
      _id: key,
      tenantId,
      owner,
      expiresAt: new Date(now.getTime() + ms),
      done: false,
    })
    return true
  } catch (err) {
    if (!isDuplicate(err)) throw err
  }
  const taken = await leases.updateOne(
    { _id: key, done: false, expiresAt: { $lt: now } },
    { $set: { owner, expiresAt: new Date(now.getTime() + ms) } }
  )
  return taken.modifiedCount === 1
}

/** Marks an object done (only by the lease's holder). */
export async function finish(
  db: Db,
  key: string,
  owner: string,
  records: number
): Promise<boolean> {
  const r = await ingestCollections(db).leases.updateOne(
    { _id: key, owner, done: false },
    { $set: { done: true, doneAt: new Date(), records } }
  )
  return r.modifiedCount === 1
}

/** Gives a lease back at once (a failed object is retried by whoever polls next). */
export async function release(db: Db, key: string, owner: string): Promise<void> {
  await ingestCollections(db).leases.updateOne(
    { _id: key, owner, done: false },
    { $set: { expiresAt: new Date(0) } }
  )
}

export async function checkpointOf(db: Db, tenantId: string): Promise<string | undefined> {
  return (await ingestCollections(db).checkpoints.findOne({ _id: tenantId }))?.lastKey
}

/**
 * Moves a tenant's checkpoint forward over the listed keys that are done, stopping at the
 * first that is not: nothing before the checkpoint is ever unprocessed, so a restart lists
 * from it and misses nothing.
 */
export async function advanceCheckpoint(
  db: Db,
  tenantId: string,
  listed: readonly string[]
): Promise<string | undefined> {
  const { leases, checkpoints } = ingestCollections(db)
  if (!listed.length) return checkpointOf(db, tenantId)
  const done = new Set(
    (
      await leases
        .find({ _id: { $in: [...listed] }, done: true }, { projection: { _id: 1 } })
        .toArray()
    ).map((d) => d._id)
  )
  let last: string | undefined
  for (const key of listed) {
    if (!done.has(key)) break
    last = key
  }
  if (last === undefined) return checkpointOf(db, tenantId)
  try {
    await checkpoints.updateOne(
      { _id: tenantId, $or: [{ lastKey: { $lt: last } }, { lastKey: { $exists: false } }] },
      { $set: { lastKey: last, updatedAt: new Date() } },
      { upsert: true }
    )
  } catch (err) {
    // Another instance moved it further meanwhile: its checkpoint stands.
    if (!isDuplicate(err)) throw err
  }
  return checkpointOf(db, tenantId)
}
