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
  // Reservations moved to memory (see BudgetDO).
  ['DROP TABLE reservations'],
]

/** A reservation whose request never settled (an isolate died) is released after this. */
export const RESERVATION_TTL_MS = 15 * 60_000
/** Totals are kept this long after their period (the dashboard shows the last months). */
const KEEP_PERIODS_MS = 100 * 24 * 3600_000

export type ReserveResult =
  { ok: true } | { ok: false; exhausted: Exhausted; day: PeriodTotals; month: PeriodTotals }

interface Reservation extends Amount {
  day: string
  month: string
  at: number
}

const add = (a: Amount, b: Amount, sign = 1): Amount => ({
  microUsd: a.microUsd + sign * b.microUsd,
  tokens: a.tokens + sign * b.tokens,
})
const ZERO: Amount = { microUsd: 0, tokens: 0 }

/**
 * The budget of one key or one tenant (name from `objectNames.budget`). Settled spend is
 * persistent: unlike a rate window, a month of spend must outlive any eviction. Reservations
 * (worst cases of requests in flight, seconds long) are held in memory, with running sums, so
 * that admitting a request writes nothing: one storage commit per request (at settle) instead
 * of two. The price: if the object restarts while requests are in flight, their reservations
 * are forgotten (their settles still book what they spent), so spend can pass the limit by at
 * most the worst cases in flight at that moment. The arithmetic is ./lib/budget.
 */
export class BudgetDO extends DurableObject<Env> {
  readonly #reservations = new Map<string, Reservation>()
  /** Sum of reservations per period key (`d:…`, `m:…`). */
  readonly #reservedSums = new Map<string, Amount>()
  /** Settled totals per period key, read through from SQLite. */
  readonly #spentCache = new Map<string, Amount>()
  #alarmArmed = false
  #lastSweep = 0

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  #spent(period: string): Amount {
    const cached = this.#spentCache.get(period)
    if (cached) return cached
    const row = this.ctx.storage.sql
      .exec<{ micro_usd: number; tokens: number }>(
        'SELECT micro_usd, tokens FROM totals WHERE period = ?',
        period
      )
      .toArray()[0]
    const amount = { microUsd: row?.micro_usd ?? 0, tokens: row?.tokens ?? 0 }
    this.#spentCache.set(period, amount)
    return amount
  }

  #reserved(period: string): Amount {
    return this.#reservedSums.get(period) ?? ZERO
  }

  #hold(id: string, r: Reservation | undefined, sign: 1 | -1): void {
    if (!r) return
    for (const p of [`d:${r.day}`, `m:${r.month}`]) {
      const next = add(this.#reserved(p), r, sign)
      if (next.microUsd === 0 && next.tokens === 0) this.#reservedSums.delete(p)
      else this.#reservedSums.set(p, next)
    }
    if (sign === 1) this.#reservations.set(id, r)
    else this.#reservations.delete(id)
  }

  /** Releases reservations whose request never settled (at most once a minute). */
  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return
    this.#lastSweep = now
    for (const [id, r] of this.#reservations)
      if (r.at <= now - RESERVATION_TTL_MS) this.#hold(id, r, -1)
  }

  /** Spent and reserved in the current UTC day and month. */
  totals(now = Date.now()): { day: PeriodTotals; month: PeriodTotals } {
    const day = `d:${dayOf(now)}`
    const month = `m:${monthOf(now)}`
    return {
      day: { spent: this.#spent(day), reserved: this.#reserved(day) },
      month: { spent: this.#spent(month), reserved: this.#reserved(month) },
    }
  }

  /** Reserves a request's worst case, or says which limit it would break. Writes nothing. */
  reserve(id: string, worst: Amount, limits: BudgetLimits, now = Date.now()): ReserveResult {
    this.#sweep(now)
    const t = this.totals(now)
    const hit = exceeded(t.day, t.month, worst, limits)
    if (hit) return { ok: false, exhausted: hit, ...t }
    this.#hold(id, this.#reservations.get(id), -1)
    this.#hold(
      id,
      {
        day: dayOf(now),
        month: monthOf(now),
        microUsd: Math.ceil(worst.microUsd),
        tokens: Math.ceil(worst.tokens),
        at: now,
      },
      1
    )
    return { ok: true }
  }

  /**
   * Turns a reservation into spend at the actual amount (in the period it was reserved in) and
   * returns the warning thresholds this crossed. A request whose reservation expired still
   * counts: its spend lands in the current period.
   */
  async settle(
    id: string,
    actual: Amount,
    limits: BudgetLimits,
    fractions: readonly number[]
  ): Promise<Threshold[]> {
    return (await this.settleMany([{ id, actual, limits, fractions }]))[0] ?? []
  }

  /**
   * Settles many requests in one call: one storage commit for all of them (the gateway gathers
   * the settles of concurrent requests). Returns the thresholds each crossed, in order.
   */
  async settleMany(
    items: { id: string; actual: Amount; limits: BudgetLimits; fractions: readonly number[] }[]
  ): Promise<Threshold[][]> {
    const now = Date.now()
    const fired = items.map((i) => this.#settleOne(i.id, i.actual, i.limits, i.fractions, now))
    if (!this.#alarmArmed) {
      this.#alarmArmed = true
      if ((await this.ctx.storage.getAlarm()) === null)
        await this.ctx.storage.setAlarm(now + 24 * 3600_000)
    }
    return fired
  }

  /** Drops many reservations (their requests failed before costing anything). */
  releaseMany(ids: string[]): number {
    return ids.filter((id) => this.release(id)).length
  }

  #settleOne(
    id: string,
    actual: Amount,
    limits: BudgetLimits,
    fractions: readonly number[],
    now: number
  ): Threshold[] {
    const sql = this.ctx.storage.sql
    const r = this.#reservations.get(id)
    this.#hold(id, r, -1)
    const day = `d:${r?.day ?? dayOf(now)}`
    const month = `m:${r?.month ?? monthOf(now)}`
    const amount = { microUsd: Math.ceil(actual.microUsd), tokens: Math.ceil(actual.tokens) }
    const before = { day: this.#spent(day), month: this.#spent(month) }
    const after = { day: add(before.day, amount), month: add(before.month, amount) }
    const upsert = (period: string) =>
      sql.exec(
        `INSERT INTO totals (period, micro_usd, tokens) VALUES (?, ?, ?)
         ON CONFLICT(period) DO UPDATE SET micro_usd = micro_usd + excluded.micro_usd,
                                           tokens = tokens + excluded.tokens`,
        period,
        amount.microUsd,
        amount.tokens
      )
    upsert(day)
    upsert(month)
    this.#spentCache.set(day, after.day)
    this.#spentCache.set(month, after.month)
    const fired = crossed(before, after, limits, fractions)
    for (const w of fired) {
      sql.exec(
        'INSERT OR IGNORE INTO warnings (period, kind, fraction, at) VALUES (?, ?, ?, ?)',
        w.period === 'day' ? day : month,
        w.kind,
        w.fraction,
        now
      )
    }
    return fired
  }

  /** Drops a reservation (the request failed before costing anything). */
  release(id: string): boolean {
    const r = this.#reservations.get(id)
    this.#hold(id, r, -1)
    return r !== undefined
  }

  /** Warning events recorded, newest first. */
  warnings(): { period: string; kind: string; fraction: number; at: number }[] {
    return this.ctx.storage.sql
      .exec<{ period: string; kind: string; fraction: number; at: number }>(
        'SELECT period, kind, fraction, at FROM warnings ORDER BY at DESC'
      )
      .toArray()
  }

  /** Cleans idle state once a day: totals of long-past periods and their warnings. */
  override async alarm(): Promise<void> {
    const now = Date.now()
    this.#lastSweep = 0
    this.#sweep(now)
    const sql = this.ctx.storage.sql
    const oldest = new Date(now - KEEP_PERIODS_MS)
    sql.exec(
      'DELETE FROM totals WHERE (period LIKE ? AND period < ?) OR (period LIKE ? AND period < ?)',
      'd:%',
      `d:${dayOf(oldest.getTime())}`,
      'm:%',
      `m:${monthOf(oldest.getTime())}`
    )
    sql.exec('DELETE FROM warnings WHERE at < ?', now - KEEP_PERIODS_MS)
    this.#spentCache.clear()
    const live = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM totals').one().n
    if (live > 0) await this.ctx.storage.setAlarm(now + 24 * 3600_000)
    else this.#alarmArmed = false
  }
}
