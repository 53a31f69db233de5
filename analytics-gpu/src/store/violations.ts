import { createHash } from 'node:crypto'
import type { AuditRecordV1 } from '@trueport/contracts'
import type { Collection, Db, OptionalUnlessRequiredId } from 'mongodb'
import type { AlertableViolation } from '../alerts/alerter'
import type { DetectorId, Finding, Segment, Severity } from '../detectors'

/** One violation as stored: what was found, where, how bad, and the evidence around it. */
export interface ViolationDoc {
  _id: string
  tenantId: string
  recordId: string
  objectKey: string
  keyId: string
  environment: string
  model: string | null
  /** When the interaction happened (the record's receivedAt), and its UTC day. */
  at: Date
  day: string
  detector: DetectorId
  kind: string
  score: number
  severity: Severity
  field: Segment['field']
  path: string
  start: number
  end: number
  /** The matched text and up to 60 characters either side. */
  evidence: { match: string; before: string; after: string }
  detectedAt: Date
}

/** One analysed interaction: clean, or how many violations it raised. */
export interface InteractionDoc {
  _id: string
  tenantId: string
  objectKey: string
  keyId: string
  at: Date
  day: string
  clean: boolean
  violations: number
  detectors: DetectorId[]
  maxSeverity: Severity | null
}

/**
 * Counts per tenant, day, detector and kind, kept with $inc. Each analytics instance keeps its
 * own shard of every counter (`shard` = its owner id) and updates it one call at a time: no two
 * writers ever touch one document, which servers without atomic $inc under concurrency (FerretDB
 * v1) need and which spares MongoDB a hot document. Readers sum the shards.
 */
export interface RollupDoc {
  _id: string
  tenantId: string
  day: string
  detector: DetectorId
  kind: string
  shard: string
  count: number
  low: number
  medium: number
  high: number
  critical: number
}

export const collections = (db: Db) => ({
  violations: db.collection<ViolationDoc>('violations'),
  interactions: db.collection<InteractionDoc>('interactions'),
  rollups: db.collection<RollupDoc>('violation_rollups'),
})

/** The indexes the API's queries use; idempotent, run at boot. */
export async function ensureViolationIndexes(db: Db): Promise<void> {
  const c = collections(db)
  await Promise.all([
    c.violations.createIndex({ tenantId: 1, at: -1, _id: 1 }),
    c.violations.createIndex({ tenantId: 1, detector: 1, at: -1 }),
    c.violations.createIndex({ tenantId: 1, severity: 1, at: -1 }),
    c.violations.createIndex({ recordId: 1 }),
    c.interactions.createIndex({ tenantId: 1, at: -1 }),
    c.rollups.createIndex({ tenantId: 1, day: 1, detector: 1 }),
  ])
}

/**
 * Two instances upserting the same new document race: one insert wins, the other fails with
 * a duplicate key (MongoDB retries that itself; FerretDB and older servers do not). Trying
 * again finds the document and updates it.
 */
async function withUpsertRetry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op()
    } catch (err) {
      if ((err as { code?: number }).code !== 11000 || attempt >= 3) throw err
    }
  }
}

/** One update at a time per counter document within this process. */
const queues = new Map<string, Promise<unknown>>()
function serialised<T>(id: string, op: () => Promise<T>): Promise<T> {
  const run = (queues.get(id) ?? Promise.resolve()).then(op, op)
  const tail = run.catch(() => undefined)
  queues.set(id, tail)
  void tail.then(() => {
    if (queues.get(id) === tail) queues.delete(id)
  })
  return run
}

/** The rollups of a tenant between two days (inclusive), summed over shards. */
export async function dailyCounts(db: Db, tenantId: string, from: string, to: string) {
  return collections(db)
    .rollups.aggregate<{
      _id: { day: string; detector: DetectorId; kind: string }
      count: number
      low: number
      medium: number
      high: number
      critical: number
    }>([
      { $match: { tenantId, day: { $gte: from, $lte: to } } },
      {
        $group: {
          _id: { day: '$day', detector: '$detector', kind: '$kind' },
          count: { $sum: '$count' },
          low: { $sum: '$low' },
          medium: { $sum: '$medium' },
          high: { $sum: '$high' },
          critical: { $sum: '$critical' },
        },
      },
      { $sort: { _id: 1 } },
    ])
    .toArray()
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 }

/** A violation's id: the same finding on the same record always gets the same one. */
const violationId = (recordId: string, f: Finding) =>
  createHash('sha256')
    .update(`${recordId}|${f.detector}|${f.kind}|${f.field}|${f.path}|${f.start}|${f.end}`)
    .digest('hex')
    .slice(0, 32)

/** Inserts documents, ignoring those whose _id is already stored (and only those). */
async function insertNew<T extends { _id: string }>(coll: Collection<T>, docs: T[]): Promise<void> {
  try {
    await coll.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false })
  } catch (err) {
    const errors = (err as { writeErrors?: { code: number }[] | { code: number } }).writeErrors
    const list = Array.isArray(errors) ? errors : errors ? [errors] : []
    if (!list.length || list.some((e) => e.code !== 11000)) throw err
  }
}

/** One analysed record of an object, as the store takes it. */
export interface AnalysedRecord {
  record: AuditRecordV1
  segments: readonly Segment[]
  findings: Finding[]
}

function violationDoc(objectKey: string, a: AnalysedRecord, f: Finding, now: Date): ViolationDoc {
  const { record } = a
  const text =
    f.path === 'model'
      ? (record.model ?? '')
      : (a.segments.find((s) => s.field === f.field && s.path === f.path)?.text ?? '')
  return {
    _id: violationId(record.id, f),
    tenantId: record.tenantId,
    recordId: record.id,
    objectKey,
    keyId: record.keyId,
    environment: record.environment,
    model: record.servedModel ?? record.model ?? null,
    at: new Date(record.receivedAt),
    day: record.receivedAt.slice(0, 10),
    detector: f.detector,
    kind: f.kind,
    score: Math.round(f.score * 1000) / 1000,
    severity: f.severity,
    field: f.field,
    path: f.path,
    start: f.start,
    end: f.end,
    evidence: {
      match: text.slice(f.start, f.end),
      before: text.slice(Math.max(0, f.start - 60), f.start),
      after: text.slice(f.end, f.end + 60),
    },
    detectedAt: now,
  }
}

/**
 * Stores what the detectors found in one audit object's records, in a few bulk writes. Safe
 * to repeat: violations have deterministic ids (upserts), interactions are upserted, and the
 * object's counts enter the rollups only by the call that inserts its rollup mark (without
 * transactions, a crash between the mark and the $inc can lose an object's counts, never
 * double them; the violations themselves are never lost). `fresh` lists the violations of a
 * first analysis only, for alerts.
 */
export async function saveAnalysed(
  db: Db,
  input: { objectKey: string; items: readonly AnalysedRecord[]; shard: string }
): Promise<{ violations: number; clean: number; fresh: AlertableViolation[] }> {
  const c = collections(db)
  const now = new Date()
  const docs = input.items.flatMap((a) =>
    a.findings.map((f) => violationDoc(input.objectKey, a, f, now))
  )
  // Inserts, not upserts (several times faster on FerretDB): a repeat of the same analysis
  // produces the same ids and contents, so a duplicate key means the document is already there.
  if (docs.length) await insertNew(c.violations, docs)
  if (input.items.length)
    await insertNew(
      c.interactions,
      input.items.map(({ record, findings }) => ({
        _id: record.id,
        tenantId: record.tenantId,
        objectKey: input.objectKey,
        keyId: record.keyId,
        at: new Date(record.receivedAt),
        day: record.receivedAt.slice(0, 10),
        clean: findings.length === 0,
        violations: findings.length,
        detectors: [...new Set(findings.map((f) => f.detector))],
        maxSeverity: findings.reduce<Severity | null>(
          (m, f) => (m === null || RANK[f.severity] > RANK[m] ? f.severity : m),
          null
        ),
      }))
    )
  const clean = input.items.filter((a) => a.findings.length === 0).length
  // Only the call that inserts the object's mark adds its counts and raises its alerts.
  try {
    await db
      .collection<{ _id: string; at: Date }>('rollup_marks')
      .insertOne({ _id: input.objectKey, at: now })
  } catch (err) {
    if ((err as { code?: number }).code === 11000)
      return { violations: docs.length, clean, fresh: [] }
    throw err
  }
  const counters = new Map<
    string,
    {
      tenantId: string
      day: string
      detector: DetectorId
      kind: string
      inc: Record<string, number>
    }
  >()
  for (const d of docs) {
    const id = `${d.tenantId}|${d.day}|${d.detector}|${d.kind}|${input.shard}`
    const entry = counters.get(id) ?? {
      tenantId: d.tenantId,
      day: d.day,
      detector: d.detector,
      kind: d.kind,
      inc: { count: 0 },
    }
    entry.inc.count = (entry.inc.count ?? 0) + 1
    entry.inc[d.severity] = (entry.inc[d.severity] ?? 0) + 1
    counters.set(id, entry)
  }
  await Promise.all(
    [...counters].map(([id, { inc, ...fields }]) =>
      serialised(id, () =>
        withUpsertRetry(() =>
          c.rollups.updateOne(
            { _id: id },
            { $inc: inc, $setOnInsert: { ...fields, shard: input.shard } },
            { upsert: true }
          )
        )
      )
    )
  )
  const fresh = docs.map((d) => ({
    id: d._id,
    tenantId: d.tenantId,
    keyId: d.keyId,
    recordId: d.recordId,
    detector: d.detector,
    kind: d.kind,
    severity: d.severity,
    score: d.score,
    at: d.at,
  }))
  return { violations: docs.length, clean, fresh }
}
