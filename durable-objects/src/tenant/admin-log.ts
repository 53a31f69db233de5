import type { Actor } from '@trueport/contracts'
import { newId } from '../lib/encoding'

/** A JSON value (what before/after snapshots are). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json }

/** One control-plane change as the admin audit log keeps it. */
export interface AdminEvent {
  seq: number
  id: string
  at: string
  actor: Actor
  action: string
  target: { type: string; id: string }
  before: Json
  after: Json
}

export interface AdminEventFilter {
  action?: string | undefined
  actorId?: string | undefined
  targetId?: string | undefined
  since?: string | undefined
  until?: string | undefined
  /** Events after this sequence number (the previous page's `next`). */
  after?: number | undefined
  limit?: number | undefined
}

type Row = {
  seq: number
  id: string
  at: string
  actor: string
  action: string
  target_type: string
  target_id: string
  before: string | null
  after: string | null
}

/** Actor for changes no person made (bootstrap, migrations, scheduled work). */
export const SYSTEM_ACTOR: Actor = { userId: 'system' }

/**
 * The admin log's table. Triggers make it append-only inside SQLite itself: no code path,
 * present or future, can edit or delete an event.
 */
export const ADMIN_LOG_MIGRATION = [
  `CREATE TABLE admin_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     at TEXT NOT NULL,
     actor TEXT NOT NULL,
     actor_id TEXT NOT NULL,
     action TEXT NOT NULL,
     target_type TEXT NOT NULL,
     target_id TEXT NOT NULL,
     before TEXT,
     after TEXT
   )`,
  'CREATE INDEX admin_events_by_action ON admin_events (action, seq)',
  'CREATE INDEX admin_events_by_target ON admin_events (target_id, seq)',
  `CREATE TRIGGER admin_events_no_update BEFORE UPDATE ON admin_events
   BEGIN SELECT RAISE(ABORT, 'the admin log is append-only'); END`,
  `CREATE TRIGGER admin_events_no_delete BEFORE DELETE ON admin_events
   BEGIN SELECT RAISE(ABORT, 'the admin log is append-only'); END`,
]

/** Values that must never reach the log (secrets, hashes) are dropped by name. */
const SECRET_FIELDS = new Set(['key', 'secret', 'hash', 'password', 'token', 'secretAccessKey'])
function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub)
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).flatMap(([k, v]) => (SECRET_FIELDS.has(k) ? [] : [[k, scrub(v)]]))
    )
  return value
}

/** Appends one event; call it inside the same transaction as the change it describes. */
export function recordEvent(
  sql: SqlStorage,
  actor: Actor,
  action: string,
  target: { type: string; id: string },
  before: unknown,
  after: unknown
): void {
  sql.exec(
    `INSERT INTO admin_events (id, at, actor, actor_id, action, target_type, target_id, before, after)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    newId('evt'),
    new Date().toISOString(),
    JSON.stringify(actor),
    actor.userId,
    action,
    target.type,
    target.id,
    before === undefined ? null : JSON.stringify(scrub(before)),
    after === undefined ? null : JSON.stringify(scrub(after))
  )
}

/**
 * A page of events, oldest first, each as its JSON text (an AdminEvent), and the cursor of
 * the next page (null at the end). Text, because the events' before/after are free-form JSON
 * and the API only ever passes them on.
 */
export function queryEvents(
  sql: SqlStorage,
  f: AdminEventFilter
): { lines: string[]; next: number | null } {
  const where: string[] = ['seq > ?']
  const args: (string | number)[] = [f.after ?? 0]
  const conditions: [string, string | undefined][] = [
    ['action = ?', f.action],
    ['actor_id = ?', f.actorId],
    ['target_id = ?', f.targetId],
    ['at >= ?', f.since],
    ['at < ?', f.until],
  ]
  for (const [clause, value] of conditions) {
    if (value === undefined) continue
    where.push(clause)
    args.push(value)
  }
  const limit = Math.min(Math.max(f.limit ?? 100, 1), 1000)
  const rows = sql
    .exec<Row>(
      `SELECT * FROM admin_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`,
      ...args,
      limit + 1
    )
    .toArray()
  const page = rows.slice(0, limit).map((r): AdminEvent => ({
    seq: r.seq,
    id: r.id,
    at: r.at,
    actor: JSON.parse(r.actor) as Actor,
    action: r.action,
    target: { type: r.target_type, id: r.target_id },
    before: r.before === null ? null : (JSON.parse(r.before) as Json),
    after: r.after === null ? null : (JSON.parse(r.after) as Json),
  }))
  return {
    lines: page.map((e) => JSON.stringify(e)),
    next: rows.length > limit ? (page.at(-1)?.seq ?? null) : null,
  }
}
