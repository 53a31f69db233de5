import type { FastifyPluginAsync } from 'fastify'
import type { Filter } from 'mongodb'
import { z } from 'zod'
import { AnalyticsError, parseInput } from '../errors'
import { collections, dailyCounts, type ViolationDoc } from '../store/violations'

const Detector = z.enum(['pii', 'injection', 'toxicity', 'exfiltration', 'rules'])
const Severity = z.enum(['low', 'medium', 'high', 'critical'])
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD')

const ListQuery = z.object({
  detector: Detector.optional(),
  severity: Severity.optional(),
  kind: z.string().max(80).optional(),
  keyId: z.string().max(40).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  /** The `next` of the previous page. */
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** Pages run newest first by (at, _id); the cursor is the last row's pair. */
const encodeCursor = (v: Pick<ViolationDoc, 'at' | '_id'>) =>
  Buffer.from(JSON.stringify([v.at.toISOString(), v._id])).toString('base64url')
function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string]
    return { at: new Date(at), id }
  } catch {
    throw new AnalyticsError(400, 'invalid_request', 'cursor: not a cursor from this API')
  }
}

/** Who reads violations: the tenant's owners and admins (and TruePort's operators). */
const READERS = ['owner', 'admin', 'platform_admin'] as const

/** The dashboard's view of violations: list, one with its evidence, and per-day counts. */
export const violationRoutes: FastifyPluginAsync = async (app) => {
  const db = () => {
    if (!app.mongo) throw new AnalyticsError(503, 'unavailable', 'MongoDB is not configured')
    return app.mongo.db
  }

  app.get('/v1/violations', { preHandler: app.authenticate(READERS) }, async (req) => {
    const q = parseInput(ListQuery, req.query)
    const filter: Filter<ViolationDoc> = { tenantId: req.caller.tid }
    if (q.detector) filter.detector = q.detector
    if (q.severity) filter.severity = q.severity
    if (q.kind) filter.kind = q.kind
    if (q.keyId) filter.keyId = q.keyId
    const at: { $gte?: Date; $lt?: Date } = {}
    if (q.since) at.$gte = new Date(q.since)
    if (q.until) at.$lt = new Date(q.until)
    if (at.$gte || at.$lt) filter.at = at
    if (q.cursor) {
      const c = decodeCursor(q.cursor)
      filter.$or = [{ at: { $lt: c.at } }, { at: c.at, _id: { $gt: c.id } }]
    }
    const rows = await collections(db())
      .violations.find(filter)
      .sort({ at: -1, _id: 1 })
      .limit(q.limit + 1)
      .toArray()
    const page = rows.slice(0, q.limit)
    const last = page.at(-1)
    return { data: page, next: rows.length > q.limit && last ? encodeCursor(last) : null }
  })

  app.get('/v1/violations/daily', { preHandler: app.authenticate(READERS) }, async (req) => {
    const today = new Date().toISOString().slice(0, 10)
    const q = parseInput(z.object({ from: Day.optional(), to: Day.optional() }), req.query)
    const to = q.to ?? today
    const from = q.from ?? new Date(Date.parse(to) - 29 * 86_400_000).toISOString().slice(0, 10)
    const rows = await dailyCounts(db(), req.caller.tid, from, to)
    return {
      from,
      to,
      data: rows.map((r) => ({
        day: r._id.day,
        detector: r._id.detector,
        kind: r._id.kind,
        count: r.count,
        severity: { low: r.low, medium: r.medium, high: r.high, critical: r.critical },
      })),
    }
  })

  app.get('/v1/violations/:id', { preHandler: app.authenticate(READERS) }, async (req) => {
    const { id } = parseInput(z.object({ id: z.string().regex(/^[0-9a-f]{32}$/) }), req.params)
    // The tenant is part of the lookup: another tenant's id is simply not found.
    const violation = await collections(db()).violations.findOne({
      _id: id,
      tenantId: req.caller.tid,
    })
    if (!violation) throw new AnalyticsError(404, 'not_found', 'no such violation')
    const [interaction, siblings] = await Promise.all([
      collections(db()).interactions.findOne({ _id: violation.recordId, tenantId: req.caller.tid }),
      collections(db())
        .violations.find({ recordId: violation.recordId, tenantId: req.caller.tid })
        .project({ evidence: 0 })
        .toArray(),
    ])
    return { violation, interaction, others: siblings.filter((s) => s._id !== violation._id) }
  })
}
