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

/** Issues another key for an existing tenant, with its own budget (0: none). */
async function issueKey(slug: string, dailyMicroUsd: number) {
  const res = await post(
    '/internal/bootstrap',
    undefined,
    {
      tenant: { slug, name: 'again' },
      admin: { email: `owner@${slug}.example`, password: 'correct horse battery staple' },
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

const budgetKey = async (dailyMicroUsd: number) => issueKey((await newTenant()).slug, dailyMicroUsd)

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

  it("holds every key of a tenant to the tenant's budget, under concurrency", async () => {
    const t = await newTenant({ tenantBudget: { dailyMicroUsd: 1_000 } })
    const keys = [t.apiKey.key, (await issueKey(t.slug, 0)).key]
    const model = 'mock-budget-tenant'
    await scriptFaults(model, ...Array.from({ length: 60 }, () => 'latency:200'))
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const res = await chat(keys[i % 2] ?? '', model)
        const body = await res.json<{ error?: { code: string; message: string } }>()
        return { status: res.status, error: body.error }
      })
    )
    const ok = answers.filter((a) => a.status === 200).length
    expect(ok).toBeGreaterThanOrEqual(4)
    const refused = answers.filter((a) => a.status === 429)
    expect(ok + refused.length).toBe(60)
    expect(refused[0]?.error?.message).toContain("the tenant's")
    const totals = () => budgetStub(env, 'tenant', t.tenantId).totals()
    await until(async () => (await totals()).day.reserved.microUsd === 0)
    const spent = (await totals()).day.spent.microUsd
    expect(spent).toBeGreaterThan(0)
    expect(spent).toBeLessThanOrEqual(1_000)
  })

  it('meters embeddings and refuses them once the budget is spent', async () => {
    const { key, totals } = await budgetKey(30)
    const embed = () => post('/v1/embeddings', key, { model: 'mock-embed', input: 'hello world' })
    const first = await embed()
    expect(first.status).toBe(200)
    const cost = Number(first.headers.get('x-trueport-cost-micro-usd'))
    expect(cost).toBeGreaterThan(0)
    await first.arrayBuffer()
    await until(async () => (await totals()).day.spent.microUsd === cost)
    let last = await embed()
    for (let i = 0; i < 30 && last.status === 200; i++) {
      await last.arrayBuffer()
      last = await embed()
    }
    expect(last.status).toBe(429)
    expect((await last.json<{ error: { code: string } }>()).error.code).toBe('budget_exhausted')
    await until(async () => (await totals()).day.reserved.microUsd === 0)
    expect((await totals()).day.spent.microUsd).toBeLessThanOrEqual(30)
  })

  it('refuses passthrough to keys under a budget, whose cost it could not meter', async () => {
    const { key } = await budgetKey(100_000)
    const res = await post('/mock-openai/chat/completions', key, {
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'ping' }],
    })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } })
  })
})
