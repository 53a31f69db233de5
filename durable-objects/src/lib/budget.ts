/**
 * Budget arithmetic, pure: spend limits (micro-USD per UTC day and month) and token quotas, with
 * reservations. A request reserves its worst case before it is sent; admission checks spent +
 * reserved + this reservation against every limit, so however many requests run at once, spend
 * can only pass a limit by what one request spends beyond its own reservation. Settling moves a
 * reservation to spent at the actual figure; releasing drops it. The owning Durable Object keeps
 * the numbers in SQLite and runs one call at a time, which makes each step atomic.
 */
import type { BudgetLimits } from '@trueport/contracts'

export type { BudgetLimits }

export interface Amount {
  microUsd: number
  tokens: number
}

/** Spent and reserved amounts of one period (a UTC day `2026-12-01` or month `2026-12`). */
export interface PeriodTotals {
  spent: Amount
  reserved: Amount
}

export type Exhausted = 'daily_spend' | 'monthly_spend' | 'daily_tokens' | 'monthly_tokens'

export const dayOf = (now: number) => new Date(now).toISOString().slice(0, 10)
export const monthOf = (now: number) => new Date(now).toISOString().slice(0, 7)

/** The first limit that `extra` on top of the current totals would break, if any. */
export function exceeded(
  day: PeriodTotals,
  month: PeriodTotals,
  extra: Amount,
  l: BudgetLimits
): Exhausted | undefined {
  const over = (limit: number, t: PeriodTotals, key: keyof Amount) =>
    limit > 0 && t.spent[key] + t.reserved[key] + extra[key] > limit
  if (over(l.dailyMicroUsd, day, 'microUsd')) return 'daily_spend'
  if (over(l.monthlyMicroUsd, month, 'microUsd')) return 'monthly_spend'
  if (over(l.dailyTokens, day, 'tokens')) return 'daily_tokens'
  if (over(l.monthlyTokens, month, 'tokens')) return 'monthly_tokens'
  return undefined
}

export interface Threshold {
  period: 'day' | 'month'
  kind: 'spend' | 'tokens'
  /** The fraction of the limit now reached, e.g. 0.8. */
  fraction: number
}

/**
 * The warning thresholds that spending `before` -> `after` crossed, for each limit that is set:
 * a threshold fires once, on the settle that first reaches it.
 */
export function crossed(
  before: { day: Amount; month: Amount },
  after: { day: Amount; month: Amount },
  l: BudgetLimits,
  fractions: readonly number[]
): Threshold[] {
  const out: Threshold[] = []
  const check = (period: 'day' | 'month', kind: 'spend' | 'tokens', limit: number) => {
    if (limit <= 0) return
    const key = kind === 'spend' ? 'microUsd' : 'tokens'
    for (const f of fractions) {
      const line = f * limit
      if (before[period][key] < line && after[period][key] >= line)
        out.push({ period, kind, fraction: f })
    }
  }
  check('day', 'spend', l.dailyMicroUsd)
  check('month', 'spend', l.monthlyMicroUsd)
  check('day', 'tokens', l.dailyTokens)
  check('month', 'tokens', l.monthlyTokens)
  return out
}
