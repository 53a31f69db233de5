import { budgetStub } from '@trueport/durable-objects'
import { env } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { newTenant, post, scriptFaults } from './helpers'

// mock-* models cost 1 µUSD per input token and 2 per output token (services/pricing.ts).
const chat = (key: string, model: string) =>
  post('/v1/chat/completions', key, {
    model,
    max_tokens: 100,
    messages: [{ role: 'user', content: 'ping' }],
  })

const budgetKey = async (dailyMicroUsd: number) => {
  const t = await newTenant()
  const res = await post(
    '/internal/bootstrap',
    undefined,
    {
      tenant: { slug: t.slug, name: 'again' },
      admin: { email: `owner@${t.slug}.example`, password: 'correct horse battery staple' },
      apiKey: {
        name: 'budgeted',
        environment: 'dev',
        limits: { requestsPerMinute: 0, tokensPerMinute: 0 },
        budget: { dailyMicroUsd },
      },
    },
    { authorization: 'Bearer test-bootstrap-token' }
  )
  const body = await res.json<{ apiKey: { key: string; id: string } }>()
  return { key: body.apiKey.key, totals: () => budgetStub(env, 'key', body.apiKey.id).totals() }
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('condition not reached in 2 s')
}

describe('budgets on the request path', () => {
  it('100 concurrent requests on one key: spend never passes the budget', async () => {
    const { key, totals } = await budgetKey(1_000)
    const model = 'mock-budget-concurrent'
    // Each worst case is ~200 µUSD (prompt + 100 output tokens); the provider holds answers
    // 200 ms so that the admitted ones are all in flight together.
    await scriptFaults(model, ...Array.from({ length: 100 }, () => 'latency:200'))
    const answers = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const res = await chat(key, model)
        const body = await res.json<{ error?: { code: string; type: string } }>()
        return { status: res.status, error: body.error }
      })
    )
    const ok = answers.filter((a) => a.status === 200).length
    const refused = answers.filter((a) => a.status === 429)
    expect(ok).toBeGreaterThanOrEqual(4)
    expect(ok + refused.length).toBe(100)
    expect(refused[0]?.error).toMatchObject({
      code: 'budget_exhausted',
      type: 'insufficient_quota',
    })
    await until(async () => (await totals()).day.reserved.microUsd === 0)
    const spent = (await totals()).day.spent.microUsd
    expect(spent).toBeGreaterThan(0)
    expect(spent).toBeLessThanOrEqual(1_000)
  })

  it('books the actual cost, and releases the reservation when the upstream fails', async () => {
    const { key, totals } = await budgetKey(100_000)
    const model = 'mock-budget-release'
    await scriptFaults(model, 'status:503')
    expect((await chat(key, model)).status).toBe(502)
    await until(async () => (await totals()).day.reserved.microUsd === 0)
    expect((await totals()).day.spent.microUsd).toBe(0)

    const res = await chat(key, model)
    expect(res.status).toBe(200)
    const cost = Number(res.headers.get('x-trueport-cost-micro-usd'))
    await res.arrayBuffer()
    await until(async () => (await totals()).day.spent.microUsd === cost)
  })
})
