import { createHash } from 'node:crypto'
import type { AuditRecordV1 } from '@trueport/contracts'
import type { Db } from 'mongodb'
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
  /** Set once this record's counts are in the rollups (never added twice). */
  rolledUp: boolean
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

/**
 * Stores what the detectors found in one record. Safe to repeat: violations have
 * deterministic ids (upserts), the interaction is inserted once, and its counts enter the
 * rollups only by the call that flips `rolledUp` (without transactions, a crash between the
 * flip and the $inc can lose a record's counts, never double them; the violations themselves
 * are never lost).
 */
export async function saveFindings(
  db: Db,
  input: {
    record: AuditRecordV1
    objectKey: string
    segments: readonly Segment[]
    findings: Finding[]
    /** This instance's rollup shard (its owner id). */
    shard: string
  }
): Promise<{ violations: number; clean: boolean; fresh: AlertableViolation[] }> {
  const { record, objectKey, findings } = input
  const c = collections(db)
  const at = new Date(record.receivedAt)
  const day = record.receivedAt.slice(0, 10)
  const textOf = (f: Finding) =>
    f.path === 'model'
      ? (record.model ?? '')
      : (input.segments.find((s) => s.field === f.field && s.path === f.path)?.text ?? '')
  const now = new Date()
  if (findings.length)
    await c.violations.bulkWrite(
      findings.map((f) => {
        const text = textOf(f)
        const doc: ViolationDoc = {
          _id: violationId(record.id, f),
          tenantId: record.tenantId,
          recordId: record.id,
          objectKey,
          keyId: record.keyId,
          environment: record.environment,
          model: record.servedModel ?? record.model ?? null,
          at,
          day,
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
        return { replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } }
      }),
      { ordered: false }
    )

  const detectors = [...new Set(findings.map((f) => f.detector))]
  const maxSeverity = findings.reduce<Severity | null>(
    (m, f) => (m === null || RANK[f.severity] > RANK[m] ? f.severity : m),
    null
  )
  await withUpsertRetry(() =>
    c.interactions.updateOne(
      { _id: record.id },
      {
        $setOnInsert: {
          tenantId: record.tenantId,
          objectKey,
          keyId: record.keyId,
          at,
          day,
          rolledUp: false,
        },
        $set: { clean: findings.length === 0, violations: findings.length, detectors, maxSeverity },
      },
      { upsert: true }
    )
  )
  // Only the call that flips the flag adds this record's counts.
  const flipped = await c.interactions.updateOne(
    { _id: record.id, rolledUp: false },
    { $set: { rolledUp: true } }
  )
  if (flipped.modifiedCount === 1 && findings.length) {
    const counters = new Map<
      string,
      { detector: DetectorId; kind: string; inc: Record<string, number> }
    >()
    for (const f of findings) {
      const id = `${record.tenantId}|${day}|${f.detector}|${f.kind}|${input.shard}`
      const entry = counters.get(id) ?? { detector: f.detector, kind: f.kind, inc: { count: 0 } }
      entry.inc.count = (entry.inc.count ?? 0) + 1
      entry.inc[f.severity] = (entry.inc[f.severity] ?? 0) + 1
      counters.set(id, entry)
    }
    await Promise.all(
      [...counters].map(([id, { detector, kind, inc }]) =>
        serialised(id, () =>
          withUpsertRetry(() =>
            c.rollups.updateOne(
              { _id: id },
              {
                $inc: inc,
                $setOnInsert: {
                  tenantId: record.tenantId,
                  day,
                  detector,
                  kind,
                  shard: input.shard,
                },
              },
              { upsert: true }
            )
          )
        )
      )
    )
  }
  // Alerts only on a record's first analysis: a re-processed object alerts nothing again.
  const fresh: AlertableViolation[] =
    flipped.modifiedCount === 1
      ? findings.map((f) => ({
          id: violationId(record.id, f),
          tenantId: record.tenantId,
          keyId: record.keyId,
          recordId: record.id,
          detector: f.detector,
          kind: f.kind,
          severity: f.severity,
          score: f.score,
          at,
        }))
      : []
  return { violations: findings.length, clean: findings.length === 0, fresh }
}
