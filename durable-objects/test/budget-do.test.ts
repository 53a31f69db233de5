import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { RESERVATION_TTL_MS, type BudgetDO } from '../src/budget-do'
import { crossed, exceeded, type BudgetLimits } from '../src/lib/budget'
import { budgetStub } from '../src/names'

let n = 0
const fresh = () => budgetStub(env, 'key', `key_budget_${Date.now()}_${++n}`)
const daily = (microUsd: number): BudgetLimits => ({
  dailyMicroUsd: microUsd,
  monthlyMicroUsd: 0,
  dailyTokens: 0,
  monthlyTokens: 0,
})

describe('BudgetDO', () => {
  it('100 concurrent requests never take spend past the limit', async () => {
    const stub = fresh()
    const limits = daily(50_000)
    // Each request's worst case is 1,000 µUSD; each really spends between 400 and 1,000.
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const id = `r${i}`
        const r = await stub.reserve(id, { microUsd: 1_000, tokens: 100 }, limits)
        if (r.ok) await stub.settle(id, { microUsd: 400 + (i % 7) * 100, tokens: 50 }, limits, [])
        return r.ok
      })
    )
    const admitted = results.filter(Boolean).length
    const totals = await stub.totals()
    expect(totals.day.spent.microUsd).toBeLessThanOrEqual(50_000)
    expect(totals.day.reserved.microUsd).toBe(0)
    // Settling below the worst case frees room: more than the 50 worst cases fit.
    expect(admitted).toBeGreaterThanOrEqual(50)
    expect(admitted).toBeLessThan(100)
  })

  it('refuses with the limit it would break, and releases a failed request', async () => {
    const stub = fresh()
    const limits: BudgetLimits = { ...daily(0), monthlyTokens: 1_000 }
    expect(await stub.reserve('a', { microUsd: 1, tokens: 900 }, limits)).toEqual({ ok: true })
    const refused = await stub.reserve('b', { microUsd: 1, tokens: 200 }, limits)
    expect(refused).toMatchObject({ ok: false, exhausted: 'monthly_tokens' })
    expect(await stub.release('a')).toBe(true)
    expect(await stub.release('a')).toBe(false)
    expect((await stub.reserve('b', { microUsd: 1, tokens: 200 }, limits)).ok).toBe(true)
  })

  it('fires each warning threshold once, on the settle that reaches it', async () => {
    const stub = fresh()
    const limits = daily(10_000)
    const spend = async (id: string, microUsd: number) => {
      await stub.reserve(id, { microUsd, tokens: 0 }, limits)
      return stub.settle(id, { microUsd, tokens: 0 }, limits, [0.8, 1])
    }
    expect(await spend('a', 7_000)).toEqual([])
    expect(await spend('b', 1_500)).toEqual([{ period: 'day', kind: 'spend', fraction: 0.8 }])
    expect(await spend('c', 100)).toEqual([])
    expect(await stub.warnings()).toHaveLength(1)
    // A request without a reservation (it expired) still counts, in the current period.
    expect(await stub.settle('lost', { microUsd: 1_400, tokens: 0 }, limits, [0.8, 1])).toEqual([
      { period: 'day', kind: 'spend', fraction: 1 },
    ])
    expect((await stub.totals()).day.spent.microUsd).toBe(10_000)
  })

  it('releases reservations that never settled', async () => {
    const stub = fresh()
    const limits = daily(1_000)
    const old = Date.now() - RESERVATION_TTL_MS - 1
    expect((await stub.reserve('stuck', { microUsd: 1_000, tokens: 0 }, limits, old)).ok).toBe(true)
    expect((await stub.reserve('next', { microUsd: 1, tokens: 0 }, limits, old + 1)).ok).toBe(false)
    expect((await stub.reserve('next', { microUsd: 1, tokens: 0 }, limits)).ok).toBe(true)
  })

  it('admits without writing: only a settle touches storage', async () => {
    const stub = fresh()
    const limits = daily(1_000)
    await stub.reserve('a', { microUsd: 10, tokens: 0 }, limits)
    const rows = await runInDurableObject(
      stub,
      (_i: BudgetDO, state) =>
        state.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM totals').one().n
    )
    expect(rows).toBe(0)
    await stub.settle('a', { microUsd: 7, tokens: 0 }, limits, [])
    expect((await stub.totals()).day).toEqual({
      spent: { microUsd: 7, tokens: 0 },
      reserved: { microUsd: 0, tokens: 0 },
    })
  })
})

describe('budget arithmetic', () => {
  const zero = { spent: { microUsd: 0, tokens: 0 }, reserved: { microUsd: 0, tokens: 0 } }
  it('checks spent + reserved + the new worst case against every set limit', () => {
    const day = { spent: { microUsd: 600, tokens: 0 }, reserved: { microUsd: 300, tokens: 0 } }
    expect(exceeded(day, zero, { microUsd: 100, tokens: 0 }, daily(1_000))).toBeUndefined()
    expect(exceeded(day, zero, { microUsd: 101, tokens: 0 }, daily(1_000))).toBe('daily_spend')
    expect(exceeded(day, day, { microUsd: 101, tokens: 0 }, daily(0))).toBeUndefined()
  })

  it('reports thresholds crossed per period and kind', () => {
    const a = (microUsd: number, tokens = 0) => ({ microUsd, tokens })
    const limits = { dailyMicroUsd: 100, monthlyMicroUsd: 1_000, dailyTokens: 0, monthlyTokens: 0 }
    expect(
      crossed({ day: a(70), month: a(790) }, { day: a(85), month: a(805) }, limits, [0.8])
    ).toEqual([
      { period: 'day', kind: 'spend', fraction: 0.8 },
      { period: 'month', kind: 'spend', fraction: 0.8 },
    ])
  })
})
