import { SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { estimateTokens, formatReset } from '../src/services/rate-limit'
import { newTenant, ORIGIN, post, scriptFaults } from './helpers'

const chat = (key: string, extra: object = {}, model = 'mock-gpt') =>
  post('/v1/chat/completions', key, {
    model,
    messages: [{ role: 'user', content: 'ping' }],
    ...extra,
  })

async function errorCode(res: Response): Promise<string | undefined> {
  const body = await res.json<{ error?: { code?: string; type?: string } }>()
  return body.error?.code ?? body.error?.type
}

describe('requests per minute, per key', () => {
  it('admits the limit, then answers 429 with Retry-After and OpenAI headers', async () => {
    const key = (await newTenant({ keyLimits: { requestsPerMinute: 3, tokensPerMinute: 0 } }))
      .apiKey.key
    const remaining: (string | null)[] = []
    for (let i = 0; i < 3; i++) {
      const res = await chat(key)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3')
      remaining.push(res.headers.get('x-ratelimit-remaining-requests'))
      await res.arrayBuffer()
    }
    expect(remaining).toEqual(['2', '1', '0'])
    const refused = await chat(key)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(59)
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset-requests')).toMatch(/^(59(\.\d+)?s|1m0s)$/)
    expect(await errorCode(refused)).toBe('rate_limited')
  })

  it('is exact under concurrency: 50 at once against a limit of 20 admits exactly 20', async () => {
    const key = (await newTenant({ keyLimits: { requestsPerMinute: 20, tokensPerMinute: 0 } }))
      .apiKey.key
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await chat(key)
        await res.arrayBuffer()
        return res.status
      })
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(20)
    expect(statuses.filter((s) => s === 429)).toHaveLength(30)
  })

  it('covers every surface, passthrough included, and renders 429 in the surface dialect', async () => {
    const key = (await newTenant({ keyLimits: { requestsPerMinute: 2, tokensPerMinute: 0 } }))
      .apiKey.key
    expect((await chat(key)).status).toBe(200)
    const native = await SELF.fetch(`${ORIGIN}/mock-openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-gpt', messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(native.status).toBe(200)
    await native.arrayBuffer()
    const anthropic = await SELF.fetch(`${ORIGIN}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mock-claude',
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    })
    expect(anthropic.status).toBe(429)
    const body = await anthropic.json<{ type: string; error: { type: string } }>()
    expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
  })
})

describe('tokens per minute', () => {
  it('reserves the worst case up front, then settles to the actual usage', async () => {
    // Each request reserves its prompt estimate plus max_tokens 1000; two fit in 2500.
    const key = (await newTenant({ keyLimits: { requestsPerMinute: 0, tokensPerMinute: 2_500 } }))
      .apiKey.key
    // The provider holds each answer 300 ms, so all five are in flight together.
    const model = 'mock-tpm-reserve'
    await scriptFaults(model, ...Array.from({ length: 5 }, () => 'latency:300'))
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const res = await chat(key, { max_tokens: 1_000 }, model)
        await res.arrayBuffer()
        return res.status
      })
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(2)
    expect(statuses.filter((s) => s === 429)).toHaveLength(3)
    // The two answers used ~30 tokens each; once settled, the window has room again.
    let status = 0
    for (let i = 0; i < 50 && status !== 200; i++) {
      const res = await chat(key, { max_tokens: 1_000 })
      status = res.status
      await res.arrayBuffer()
      if (status !== 200) await new Promise((r) => setTimeout(r, 20))
    }
    expect(status).toBe(200)
  })

  it('a refused request reports which limit it hit, and the token headers', async () => {
    const key = (await newTenant({ keyLimits: { requestsPerMinute: 0, tokensPerMinute: 100 } }))
      .apiKey.key
    const first = await chat(key, { max_tokens: 90 })
    expect(first.status).toBe(200)
    expect(first.headers.get('x-ratelimit-limit-tokens')).toBe('100')
    expect(first.headers.get('x-ratelimit-limit-requests')).toBeNull()
    await first.arrayBuffer()
    const refused = await chat(key, { max_tokens: 90 })
    if (refused.status === 200) return // the first settled already (its usage is ~30 tokens)
    expect(refused.status).toBe(429)
    const body = await refused.json<{ error: { message: string } }>()
    expect(body.error.message).toContain('tokens per minute')
  })
})

describe('tenant limits across keys', () => {
  it('a second key of the same tenant shares the tenant window', async () => {
    const tenant = await newTenant({ tenantLimits: { requestsPerMinute: 2, tokensPerMinute: 0 } })
    const again = await SELF.fetch(`${ORIGIN}/internal/bootstrap`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-bootstrap-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: { slug: tenant.slug, name: 'again' },
        admin: { email: `owner@${tenant.slug}.example`, password: 'correct horse battery staple' },
        apiKey: { name: 'second', environment: 'dev' },
      }),
    })
    expect(again.status).toBe(200)
    const second = (await again.json<{ apiKey: { key: string } }>()).apiKey.key
    expect((await chat(tenant.apiKey.key)).status).toBe(200)
    expect((await chat(second)).status).toBe(200)
    const refused = await chat(second)
    expect(refused.status).toBe(429)
    // The key's own window (default 60/min) had room: the tenant's refusal is what shows.
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('2')
  })
})

describe('estimates and header formats', () => {
  it('estimates prompt bytes / 4 plus the stated maximum in any dialect, or a default', () => {
    expect(estimateTokens('{"max_tokens": 100}')).toBe(5 + 100)
    expect(estimateTokens('{"generationConfig":{"maxOutputTokens":7}}')).toBe(11 + 7)
    expect(estimateTokens('{"max_completion_tokens":3}')).toBe(7 + 3)
    expect(estimateTokens('{}')).toBe(1 + 1024)
  })

  it('writes resets the way OpenAI does', () => {
    expect(formatReset(250)).toBe('250ms')
    expect(formatReset(1_500)).toBe('1.5s')
    expect(formatReset(360_000)).toBe('6m0s')
    expect(formatReset(0)).toBe('0ms')
  })
})
