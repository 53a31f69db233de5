import type { ErrorBody } from '@trueport/contracts'
import { beforeAll, describe, expect, it } from 'vitest'
import { newTenant, post, scriptFaults } from './helpers'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

const chat = (extra: object = {}) => ({
  model: 'mock-gpt',
  messages: [{ role: 'user', content: 'ping' }],
  ...extra,
})

describe('POST /v1/chat/completions', () => {
  it('answers a non-streaming completion from the upstream with its usage', async () => {
    const res = await post('/v1/chat/completions', key, chat())
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers.get('x-trueport-provider')).toBe('openai')
    const body = await res.json<{
      choices: { message: { content: string } }[]
      usage: { total_tokens: number }
    }>()
    expect(body.choices[0]?.message.content).toBe(
      'Hello from the TruePort mock provider (mock-gpt). You said: "ping".'
    )
    expect(body.usage.total_tokens).toBeGreaterThan(0)
  })

  it('streams SSE chunk by chunk, always asking the upstream for usage', async () => {
    const res = await post('/v1/chat/completions', key, chat({ stream: true }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const text = await res.text()
    const data = text
      .split('\n\n')
      .filter((f) => f.startsWith('data: '))
      .map((f) => f.slice(6))
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data
      .slice(0, -1)
      .map((d) => JSON.parse(d) as { choices: { delta?: { content?: string } }[]; usage?: unknown })
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')
    expect(content).toBe('Hello from the TruePort mock provider (mock-gpt). You said: "ping".')
    expect(chunks.some((c) => c.usage !== undefined)).toBe(true)
  })

  it('ends a stream cut by the upstream with an error event, not a clean end', async () => {
    await scriptFaults('mock-chat-faults', 'cut:3')
    const res = await post(
      '/v1/chat/completions',
      key,
      chat({ model: 'mock-chat-faults', stream: true })
    )
    expect(res.status).toBe(200)
    const text = await res.text()
    expect(text).not.toContain('[DONE]')
    const last = text.trim().split('\n\n').at(-1) ?? ''
    expect(JSON.parse(last.slice(6))).toMatchObject({ error: { code: 'upstream_error' } })
  })

  it.each([
    ['malformed JSON', '{"model": ', 400, 'invalid_json'],
    ['a schema violation', { model: 'mock-gpt', messages: [] }, 400, 'invalid_request'],
    [
      'a wrong type',
      { model: 'mock-gpt', messages: [{ role: 'robot', content: 'x' }] },
      400,
      'invalid_request',
    ],
    ['a body over the limit', chat({ padding: 'x'.repeat(70 * 1024) }), 413, 'body_too_large'],
  ])('rejects %s with a clear 4xx', async (_name, body, status, code) => {
    const res = await post('/v1/chat/completions', key, body)
    expect(res.status).toBe(status)
    expect((await res.json<ErrorBody>()).error.code).toBe(code)
  })

  it('rejects invalid UTF-8 as invalid_json', async () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])
    const res = await post('/v1/chat/completions', key, new TextDecoder('latin1').decode(bytes))
    // latin1 re-encodes as valid UTF-8 in fetch, so send raw bytes instead:
    const raw = await (
      await import('cloudflare:test')
    ).SELF.fetch('http://gateway.test/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: bytes,
    })
    expect(res.status).toBe(400)
    expect(raw.status).toBe(400)
    expect((await raw.json<ErrorBody>()).error.code).toBe('invalid_json')
  })

  it.each([
    ['status:503', 502, 'upstream_error'],
    ['status:500', 502, 'upstream_error'],
    ['reset', 502, 'upstream_error'],
    ['timeout', 504, 'upstream_timeout'],
    ['status:429', 429, 'rate_limited'],
    ['status:400', 400, 'invalid_request'],
  ])('maps upstream %s to %i %s', async (fault, status, code) => {
    await scriptFaults('mock-chat-faults', fault)
    const res = await post('/v1/chat/completions', key, chat({ model: 'mock-chat-faults' }))
    expect(res.status).toBe(status)
    expect((await res.json<ErrorBody>()).error.code).toBe(code)
  })
})
