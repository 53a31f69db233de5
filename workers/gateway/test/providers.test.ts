import type { ChatCompletionRequest, ProviderConfig, ProviderId } from '@trueport/contracts'
import { ProviderId as ProviderIds } from '@trueport/contracts'
import { describe, expect, it } from 'vitest'
import { adapters } from '../src/providers/registry'
import type { Target } from '../src/providers/types'
import { costOf, priceFor, PRICE_TABLE_VERSION } from '../src/services/pricing'
import { RoutingTable } from '../src/services/routing'

const req: ChatCompletionRequest = {
  model: 'client-name',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
}
const target = (
  provider: ProviderId,
  config: Partial<ProviderConfig> = {},
  model = 'upstream-model'
): Target => ({
  upstream: 'u',
  config: { provider, ...config },
  apiKey: 'sk-test',
  model,
})

describe('provider adapters', () => {
  it('cover every provider id', () => {
    expect(Object.keys(adapters).sort()).toEqual([...ProviderIds.options].sort())
  })

  it.each([
    ['openai', 'https://api.openai.com/v1/chat/completions'],
    ['groq', 'https://api.groq.com/openai/v1/chat/completions'],
    ['mistral', 'https://api.mistral.ai/v1/chat/completions'],
    ['deepseek', 'https://api.deepseek.com/v1/chat/completions'],
    ['together', 'https://api.together.xyz/v1/chat/completions'],
    ['fireworks', 'https://api.fireworks.ai/inference/v1/chat/completions'],
    ['openrouter', 'https://openrouter.ai/api/v1/chat/completions'],
    ['xai', 'https://api.x.ai/v1/chat/completions'],
  ] as const)(
    '%s speaks the OpenAI dialect at its own base URL, with a Bearer key and stream usage',
    (id, url) => {
      const call = adapters[id].chat(req, target(id))
      expect(call.url).toBe(url)
      expect(call.headers.authorization).toBe('Bearer sk-test')
      expect(JSON.parse(call.body ?? '{}')).toMatchObject({
        model: 'upstream-model',
        stream: true,
        stream_options: { include_usage: true },
      })
    }
  )

  it('custom (vLLM, Ollama) needs a baseUrl and uses it', () => {
    expect(() => adapters.custom.chat(req, target('custom'))).toThrow(/no baseUrl/)
    expect(
      adapters.custom.chat(req, target('custom', { baseUrl: 'http://127.0.0.1:11434/v1/' })).url
    ).toBe('http://127.0.0.1:11434/v1/chat/completions')
  })

  it('Azure OpenAI addresses the deployment with an api-version and an api-key header', () => {
    const t = target('azure-openai', {
      baseUrl: 'https://acme.openai.azure.com',
      apiVersion: '2025-01-01',
      deployments: { 'upstream-model': 'prod-gpt4o' },
    })
    const call = adapters['azure-openai'].chat(req, t)
    expect(call.url).toBe(
      'https://acme.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-01-01'
    )
    expect(call.headers['api-key']).toBe('sk-test')
    expect(call.headers.authorization).toBeUndefined()
    expect(JSON.parse(call.body ?? '{}')).not.toHaveProperty('model')
  })

  it('Workers AI builds its URL from the account id', () => {
    const call = adapters['workers-ai'].chat(
      req,
      target('workers-ai', { accountId: 'acc123' }, '@cf/meta/llama-3.1-8b-instruct')
    )
    expect(call.url).toBe(
      'https://api.cloudflare.com/client/v4/accounts/acc123/ai/v1/chat/completions'
    )
  })

  it('Anthropic and Gemini use their own endpoints and auth headers', () => {
    const a = adapters.anthropic.chat(req, target('anthropic'))
    expect(a.url).toBe('https://api.anthropic.com/v1/messages')
    expect(a.headers).toMatchObject({ 'x-api-key': 'sk-test', 'anthropic-version': '2023-06-01' })
    const g = adapters.gemini.chat(req, target('gemini', {}, 'gemini-2.5-flash'))
    expect(g.url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'
    )
    expect(g.headers['x-goog-api-key']).toBe('sk-test')
  })

  it('passthrough keeps the path and query and sends only the configured credential', () => {
    const p = adapters.anthropic.passthrough(
      'v1/messages/count_tokens',
      '?beta=true',
      target('anthropic')
    )
    expect(p.url).toBe('https://api.anthropic.com/v1/messages/count_tokens?beta=true')
    expect(p.headers['x-api-key']).toBe('sk-test')
  })
})

describe('routing table', () => {
  const table = RoutingTable.parse(
    JSON.stringify({
      upstreams: {
        oa: { provider: 'openai', apiKeySecret: 'OPENAI_API_KEY' },
        an: { provider: 'anthropic' },
      },
      models: {
        'gpt-4o': { upstream: 'oa' },
        'gpt-*': { upstream: 'an' },
        'gpt-4*': { upstream: 'oa', model: 'gpt-4-turbo' },
        fast: { upstream: 'an', model: 'claude-haiku' },
      },
    })
  )
  const secret = (name: string) => (name === 'OPENAI_API_KEY' ? 'sk-live' : undefined)

  it('prefers exact names, then the longest prefix, and renames where configured', () => {
    expect(table.plan('gpt-4o', secret).chain[0]?.target).toMatchObject({
      upstream: 'oa',
      model: 'gpt-4o',
      apiKey: 'sk-live',
    })
    expect(table.plan('gpt-4.1', secret).chain[0]?.target).toMatchObject({
      upstream: 'oa',
      model: 'gpt-4-turbo',
    })
    expect(table.plan('gpt-3.5', secret).chain[0]?.target).toMatchObject({
      upstream: 'an',
      model: 'gpt-3.5',
      apiKey: undefined,
    })
    expect(table.plan('fast', secret).chain[0]?.adapter.id).toBe('anthropic')
  })

  it('answers model_not_found for unrouted models and lists only exact names', () => {
    expect(() => table.plan('llama', secret)).toThrow(
      expect.objectContaining({ code: 'model_not_found', status: 404 })
    )
    expect(table.models().map((m) => m.id)).toEqual(['gpt-4o', 'fast'])
  })

  it('plans a pool in weighted order, then fallbacks, with defaults and overrides merged', () => {
    const t = RoutingTable.parse(
      JSON.stringify({
        upstreams: {
          a: { provider: 'openai' },
          b: { provider: 'openai' },
          z: { provider: 'anthropic' },
        },
        models: {
          m: {
            pool: [
              { upstream: 'a', weight: 3 },
              { upstream: 'b', model: 'm-b' },
              { upstream: 'z', weight: 0 },
            ],
            fallbacks: [{ upstream: 'z', model: 'claude' }],
            retry: { attempts: 2 },
            timeouts: { totalMs: 9000 },
          },
          plain: { upstream: 'a' },
        },
        defaults: { retry: { baseDelayMs: 50 }, timeouts: { attemptMs: 4000 } },
      })
    )
    const firsts = { a: 0, b: 0 }
    for (let i = 0; i < 2000; i++) {
      const p = t.plan('m', secret, { attemptMs: 1000 })
      expect(p.own).toBe(2)
      expect(p.chain.map((r) => r.target.upstream).slice(2)).toEqual(['z'])
      firsts[p.chain[0]?.target.upstream as 'a' | 'b']++
    }
    // 3:1 weights: a goes first about three times in four (binomial sd here is about 19).
    expect(firsts.a).toBeGreaterThan(1400)
    expect(firsts.a).toBeLessThan(1600)
    const p = t.plan('m', secret, { attemptMs: 1000 })
    expect(p.retry).toEqual({
      attempts: 2,
      baseDelayMs: 50,
      maxDelayMs: 5000,
      maxRetryAfterMs: 10000,
    })
    // Built-in defaults < the deployment's vars < the configuration's defaults < the route.
    expect(p.timeouts).toEqual({ attemptMs: 4000, totalMs: 9000, streamIdleMs: 60000 })
    expect(t.plan('plain', secret).chain).toHaveLength(1)
    expect(t.plan('plain', secret).retry.attempts).toBe(0)
  })

  it('refuses a route with both a target and a pool, or a pool with no weight', () => {
    const parse = (route: unknown) =>
      RoutingTable.parse(
        JSON.stringify({ upstreams: { a: { provider: 'openai' } }, models: { m: route } })
      )
    expect(() => parse({ upstream: 'a', pool: [{ upstream: 'a' }] })).toThrow(/either/)
    expect(() => parse({ pool: [{ upstream: 'a', weight: 0 }] })).toThrow(/weight above 0/)
    expect(() => parse({ pool: [{ upstream: 'nope' }] })).toThrow(/unknown upstream/)
  })

  it('refuses a configuration that routes to an unknown upstream', () => {
    expect(() =>
      RoutingTable.parse(JSON.stringify({ upstreams: {}, models: { x: { upstream: 'nope' } } }))
    ).toThrow(/unknown upstream/)
    expect(() => RoutingTable.parse('{not json')).toThrow(/not valid JSON/)
  })
})

describe('pricing', () => {
  it('charges uncached, cached and completion tokens at their rates, in integer micro-USD', () => {
    // gpt-4o: $2.50 / 1M in, $1.25 / 1M cached, $10 / 1M out
    const cost = costOf('gpt-4o', {
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      prompt_tokens_details: { cached_tokens: 400 },
    })
    expect(cost).toEqual({
      microUsd: 600 * 2.5 + 400 * 1.25 + 500 * 10,
      priceVersion: PRICE_TABLE_VERSION,
    })
  })

  it('matches prefixes, lets tenant overrides win, and knows when it has no price', () => {
    expect(priceFor('claude-sonnet-4-20250514')?.input).toBe(3)
    expect(priceFor('gpt-4o', { 'gpt-4o': { input: 1, output: 1 } })?.input).toBe(1)
    expect(
      costOf('unknown-model', { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 })
    ).toBeUndefined()
  })
})
