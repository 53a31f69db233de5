import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { mockUrl, newTenant, ORIGIN, post, scriptFaults } from './helpers'
import { SURFACES } from './surfaces'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

/** Per-file model names (routed by prefix), so scripted faults stay in this file. */
const PROVIDERS = {
  openai: 'mock-errs-gpt',
  anthropic: 'mock-claude-errs',
  gemini: 'mock-gemini-errs',
} as const

/** Reads the error a dialect's SDK would surface from a JSON error body. */
function errorShape(surface: string, body: Record<string, unknown>) {
  const e = body.error as Record<string, unknown>
  if (surface === 'anthropic')
    return { ok: body.type === 'error' && typeof e.type === 'string', code: e.code }
  if (surface === 'gemini')
    return {
      ok: typeof e.code === 'number' && typeof e.status === 'string',
      code: (e.details as { reason: string }[])[0]?.reason,
    }
  return { ok: typeof e.type === 'string', code: e.code }
}

describe.each(SURFACES)('$name client errors', (surface) => {
  it.each(Object.entries(PROVIDERS))(
    'a %s upstream cut mid-stream ends in an error event, never a clean end',
    async (_provider, model) => {
      await scriptFaults(model, 'cut:4')
      const res = await surface.send(key, model, { text: 'ping' }, true)
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).not.toContain('[DONE]')
      expect(text).not.toContain('message_stop')
      expect(text).not.toContain('"finishReason"')
      const last = text.trim().split('\n\n').at(-1) ?? ''
      if (surface.name === 'anthropic')
        expect(last).toMatch(/^event: error\ndata: \{"type":"error"/)
      else expect(JSON.parse(/data: (.*)/.exec(last)?.[1] ?? '{}')).toHaveProperty('error')
    }
  )

  it.each(Object.entries(PROVIDERS))(
    'a %s upstream 503 is a 502 in the client dialect with the stable code',
    async (_provider, model) => {
      await scriptFaults(model, 'status:503')
      const res = await surface.send(key, model, { text: 'ping' }, false)
      expect(res.status).toBe(502)
      const shape = errorShape(surface.name, await res.json())
      expect(shape).toEqual({ ok: true, code: 'upstream_error' })
    }
  )

  it('an unknown model is a 404 model_not_found in the client dialect', async () => {
    const res = await surface.send(key, 'no-such-model', { text: 'ping' }, false)
    expect(res.status).toBe(404)
    expect(errorShape(surface.name, await res.json())).toEqual({
      ok: true,
      code: 'model_not_found',
    })
  })

  it('malformed JSON is a 400 invalid_json in the client dialect', async () => {
    const path = {
      openai: '/v1/chat/completions',
      anthropic: '/v1/messages',
      gemini: '/v1beta/models/mock-gemini:generateContent',
    }[surface.name]
    const res = await SELF.fetch(`${ORIGIN}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: '{"model":',
    })
    expect(res.status).toBe(400)
    expect(errorShape(surface.name, await res.json())).toEqual({ ok: true, code: 'invalid_json' })
  })

  it('an invalid key is a 401 in the client dialect (errors before the route too)', async () => {
    const res = await surface.send(
      'tp_dev_not-a-real-key-at-all-000000000000000000',
      'mock-gpt',
      {},
      false
    )
    expect(res.status).toBe(401)
    expect(errorShape(surface.name, await res.json())).toEqual({
      ok: true,
      code: 'invalid_api_key',
    })
  })
})

describe('usage, cost and provenance headers', () => {
  it('reports tokens, cost from the versioned price table, attempts and server timing', async () => {
    const res = await post('/v1/chat/completions', key, {
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'ping' }],
    })
    const body = await res.json<{ usage: { prompt_tokens: number; completion_tokens: number } }>()
    expect(res.headers.get('x-trueport-provider')).toBe('openai')
    expect(res.headers.get('x-trueport-attempts')).toBe('1')
    expect(res.headers.get('x-trueport-usage-prompt-tokens')).toBe(String(body.usage.prompt_tokens))
    // mock-*: $1 / 1M input, $2 / 1M output
    expect(res.headers.get('x-trueport-cost-micro-usd')).toBe(
      String(body.usage.prompt_tokens + 2 * body.usage.completion_tokens)
    )
    expect(res.headers.get('x-trueport-price-version')).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(res.headers.get('server-timing')).toMatch(/^upstream;dur=[\d.]+, gateway;dur=[\d.]+$/)
  })
})

describe('embeddings, models and passthrough', () => {
  it('serves embeddings with usage', async () => {
    const res = await post('/v1/embeddings', key, { model: 'mock-embed', input: ['a', 'b'] })
    expect(res.status).toBe(200)
    expect((await res.json<{ data: unknown[] }>()).data).toHaveLength(2)
    expect(Number(res.headers.get('x-trueport-usage-prompt-tokens'))).toBeGreaterThan(0)
  })

  it('lists the routed models', async () => {
    const res = await SELF.fetch(`${ORIGIN}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    })
    const ids = (await res.json<{ data: { id: string }[] }>()).data.map((m) => m.id)
    expect(ids).toEqual(expect.arrayContaining(['mock-gpt', 'mock-claude', 'mock-gemini']))
  })

  it('passes native requests through, behind authentication, with the client credential stripped', async () => {
    const unauthenticated = await SELF.fetch(`${ORIGIN}/mock-anthropic/v1/messages`, {
      method: 'POST',
      body: '{}',
    })
    expect(unauthenticated.status).toBe(401)

    const native = {
      model: 'mock-claude-native',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'native' }],
    }
    const res = await SELF.fetch(`${ORIGIN}/mock-anthropic/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(native),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-trueport-provider')).toBe('anthropic')
    expect(await res.json()).toMatchObject({
      type: 'message',
      content: [{ text: expect.stringContaining('You said: "native"') }],
    })

    const seen = await (
      await fetch(`${mockUrl()}/__mock/requests`)
    ).json<{
      requests: { path: string; headers: Record<string, string>; body: { model?: string } }[]
    }>()
    const upstream = seen.requests.find((r) => r.body.model === 'mock-claude-native')
    expect(upstream?.path).toBe('/v1/messages')
    expect(upstream?.headers['x-api-key']).toBeUndefined()
    expect(upstream?.headers['anthropic-version']).toBe('2023-06-01')
  })

  it('answers 404 for a first path segment that is no configured upstream', async () => {
    const res = await SELF.fetch(`${ORIGIN}/not-an-upstream/v1/x`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(res.status).toBe(404)
  })
})

describe('requests a provider cannot express', () => {
  it('n > 1 for an Anthropic model is a 400 naming the field, not a silent single answer', async () => {
    const res = await post('/v1/chat/completions', key, {
      model: 'mock-claude',
      n: 2,
      messages: [{ role: 'user', content: 'x' }],
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      error: { code: 'invalid_request', message: expect.stringContaining('n=2') },
    })
  })
})
