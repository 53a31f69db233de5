import { DurableObject } from 'cloudflare:workers'
import {
  crossed,
  dayOf,
  exceeded,
  monthOf,
  type Amount,
  type BudgetLimits,
  type Exhausted,
  type PeriodTotals,
  type Threshold,
} from './lib/budget'
import { applyMigrations, type Migration } from './lib/sql-migrations'

const MIGRATIONS: readonly Migration[] = [
  [
    // Settled spend per period: `d:2026-12-01` (UTC day) and `m:2026-12` (UTC month).
    `CREATE TABLE totals (
       period TEXT PRIMARY KEY,
       micro_usd INTEGER NOT NULL,
       tokens INTEGER NOT NULL
     )`,
    // Worst cases of requests in flight, counted against the period they were reserved in.
    `CREATE TABLE reservations (
       id TEXT PRIMARY KEY,
       day TEXT NOT NULL,
       month TEXT NOT NULL,
       micro_usd INTEGER NOT NULL,
       tokens INTEGER NOT NULL,
       at INTEGER NOT NULL
     )`,
    // Thresholds crossed, for the control plane to surface as warning events.
    `CREATE TABLE warnings (
       period TEXT NOT NULL,
       kind TEXT NOT NULL,
       fraction REAL NOT NULL,
       at INTEGER NOT NULL,
       PRIMARY KEY (period, kind, fraction)
     )`,
  ],
]

/** A reservation whose request never settled (an isolate died) is released after this. */
export const RESERVATION_TTL_MS = 15 * 60_000
/** Totals are kept this long after their period (the dashboard shows the last months). */
const KEEP_PERIODS_MS = 100 * 24 * 3600_000

export type ReserveResult =
  { ok: true } | { ok: false; exhausted: Exhausted; day: PeriodTotals; month: PeriodTotals }

/**
 * The budget of one key or one tenant (name from `objectNames.budget`). Persistent: unlike a
 * rate window, a month of spend must outlive any eviction. The arithmetic is ./lib/budget.
 */
export class BudgetDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  #spent(period: string): Amount {
    const row = this.ctx.storage.sql
      .exec<{ micro_usd: number; tokens: number }>(
        'SELECT micro_usd, tokens FROM totals WHERE period = ?',
        period
      )
      .toArray()[0]
    return { microUsd: row?.micro_usd ?? 0, tokens: row?.tokens ?? 0 }
  }

  #reserved(column: 'day' | 'month', value: string): Amount {
    const row = this.ctx.storage.sql
      .exec<{ m: number | null; t: number | null }>(
        `SELECT SUM(micro_usd) AS m, SUM(tokens) AS t FROM reservations WHERE ${column} = ?`,
        value
      )
      .toArray()[0]
    return { microUsd: row?.m ?? 0, tokens: row?.t ?? 0 }
  }

  /** Spent and reserved in the current UTC day and month. */
  totals(now = Date.now()): { day: PeriodTotals; month: PeriodTotals } {
    const day = dayOf(now)
    const month = monthOf(now)
    return {
      day: { spent: this.#spent(`d:${day}`), reserved: this.#reserved('day', day) },
      month: { spent: this.#spent(`m:${month}`), reserved: this.#reserved('month', month) },
    }
  }

  /** Reserves a request's worst case, or says which limit it would break. */
  async reserve(id: string, worst: Amount, limits: BudgetLimits): Promise<ReserveResult> {
    const now = Date.now()
    const t = this.totals(now)
    const hit = exceeded(t.day, t.month, worst, limits)
    if (hit) return { ok: false, exhausted: hit, ...t }
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO reservations (id, day, month, micro_usd, tokens, at) VALUES (?, ?, ?, ?, ?, ?)',
      id,
      dayOf(now),
      monthOf(now),
      Math.ceil(worst.microUsd),
      Math.ceil(worst.tokens),
      now
    )
    if ((await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(now + RESERVATION_TTL_MS)
    return { ok: true }
  }

  /**
   * Turns a reservation into spend at the actual amount (in the period it was reserved in) and
   * returns the warning thresholds this crossed. A request whose reservation expired still
   * counts: its spend lands in the current period.
   */
  settle(
    id: string,
    actual: Amount,
    limits: BudgetLimits,
    fractions: readonly number[]
  ): Threshold[] {
    const sql = this.ctx.storage.sql
    const now = Date.now()
    const r = sql
      .exec<{ day: string; month: string }>('SELECT day, month FROM reservations WHERE id = ?', id)
      .toArray()[0]
    const day = r?.day ?? dayOf(now)
    const month = r?.month ?? monthOf(now)
    const before = { day: this.#spent(`d:${day}`), month: this.#spent(`m:${month}`) }
    const add = (period: string) =>
      sql.exec(
        `INSERT INTO totals (period, micro_usd, tokens) VALUES (?, ?, ?)
         ON CONFLICT(period) DO UPDATE SET micro_usd = micro_usd + excluded.micro_usd,
                                           tokens = tokens + excluded.tokens`,
        period,
        Math.ceil(actual.microUsd),
        Math.ceil(actual.tokens)
      )
    add(`d:${day}`)
    add(`m:${month}`)
    sql.exec('DELETE FROM reservations WHERE id = ?', id)
    const after = { day: this.#spent(`d:${day}`), month: this.#spent(`m:${month}`) }
    const fired = crossed(before, after, limits, fractions)
    for (const w of fired) {
      sql.exec(
        'INSERT OR IGNORE INTO warnings (period, kind, fraction, at) VALUES (?, ?, ?, ?)',
        w.period === 'day' ? `d:${day}` : `m:${month}`,
        w.kind,
        w.fraction,
        now
      )
    }
    return fired
  }

  /** Drops a reservation (the request failed before costing anything). */
  release(id: string): boolean {
    const cursor = this.ctx.storage.sql.exec('DELETE FROM reservations WHERE id = ?', id)
    return cursor.rowsWritten > 0
  }

  /** Warning events recorded, newest first. */
  warnings(): { period: string; kind: string; fraction: number; at: number }[] {
    return this.ctx.storage.sql
      .exec<{ period: string; kind: string; fraction: number; at: number }>(
        'SELECT period, kind, fraction, at FROM warnings ORDER BY at DESC'
      )
      .toArray()
  }

  /** Cleans idle state: expired reservations, totals of long-past periods. */
  override async alarm(): Promise<void> {
    const now = Date.now()
    const sql = this.ctx.storage.sql
    sql.exec('DELETE FROM reservations WHERE at <= ?', now - RESERVATION_TTL_MS)
    const oldest = new Date(now - KEEP_PERIODS_MS)
    sql.exec(
      'DELETE FROM totals WHERE (period LIKE ? AND period < ?) OR (period LIKE ? AND period < ?)',
      'd:%',
      `d:${dayOf(oldest.getTime())}`,
      'm:%',
      `m:${monthOf(oldest.getTime())}`
    )
    sql.exec('DELETE FROM warnings WHERE at < ?', now - KEEP_PERIODS_MS)
    const next = sql
      .exec<{ at: number | null }>('SELECT MIN(at) AS at FROM reservations')
      .toArray()[0]?.at
    if (next != null) await this.ctx.storage.setAlarm(next + RESERVATION_TTL_MS)
  }
}
