import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { countTokens, startMockProvider, type MockProvider } from '../src'

let mock: MockProvider
beforeAll(async () => {
  mock = await startMockProvider()
})
afterAll(() => mock.close())
afterEach(() => mock.script.clear())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

/** The JSON payloads of an SSE body, with the event names where present. */
function sse(text: string): { event?: string; data: string }[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1]
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? ''
      return event ? { event, data } : { data }
    })
}

const EXPECTED = (model: string, said: string) =>
  `Hello from the TruePort mock provider (${model}). You said: "${said}".`
/** The mock's usage: its prompt overhead of 8 plus ~4 characters a token. */
const PROMPT = (said: string) => countTokens(said) + 8
const COMPLETION = (model: string, said: string) => countTokens(EXPECTED(model, said))

describe('OpenAI dialect', () => {
  const req = { model: 'mock-gpt', messages: [{ role: 'user', content: 'hi there' }] }

  it('answers deterministically with usage', async () => {
    const a = (await (await post('/v1/chat/completions', req)).json()) as Record<string, never>
    const b = (await (await post('/v1/chat/completions', req)).json()) as Record<string, never>
    expect(a).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          message: { role: 'assistant', content: EXPECTED('mock-gpt', 'hi there') },
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: PROMPT('hi there'),
        completion_tokens: COMPLETION('mock-gpt', 'hi there'),
        total_tokens: PROMPT('hi there') + COMPLETION('mock-gpt', 'hi there'),
      },
    })
    expect(b['choices']).toEqual(a['choices'])
  })

  it('streams word chunks, a finish chunk, usage only when asked, then [DONE]', async () => {
    const plain = sse(await (await post('/v1/chat/completions', { ...req, stream: true })).text())
    expect(plain.at(-1)?.data).toBe('[DONE]')
    expect(plain.some((f) => f.data.includes('"usage"'))).toBe(false)

    const res = await post('/v1/chat/completions', {
      ...req,
      stream: true,
      stream_options: { include_usage: true },
    })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const frames = sse(await res.text())
    const chunks = frames.slice(0, -1).map(
      (f) =>
        JSON.parse(f.data) as {
          choices: { delta: { content?: string }; finish_reason: string | null }[]
          usage?: object
        }
    )
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(
      EXPECTED('mock-gpt', 'hi there')
    )
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop')
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { total_tokens: PROMPT('hi there') + COMPLETION('mock-gpt', 'hi there') },
    })
  })

  it('reads text from content parts', async () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'part' }] }],
    }
    const json = (await (await post('/v1/chat/completions', body)).json()) as {
      choices: { message: { content: string } }[]
    }
    expect(json.choices[0]?.message.content).toBe(EXPECTED('m', 'part'))
  })

  it('answers embeddings with unit vectors and GET /v1/models with its catalogue', async () => {
    const emb = (await (
      await post('/v1/embeddings', { model: 'mock-embed', input: ['a', 'b'] })
    ).json()) as {
      data: { embedding: number[] }[]
    }
    expect(emb.data).toHaveLength(2)
    expect(Math.hypot(...(emb.data[0]?.embedding ?? []))).toBeCloseTo(1, 6)
    const models = (await (await fetch(`${mock.url}/v1/models`)).json()) as {
      data: { id: string }[]
    }
    expect(models.data.map((m) => m.id)).toContain('mock-gpt')
  })
})

describe('Anthropic dialect', () => {
  const req = {
    model: 'mock-claude',
    max_tokens: 64,
    messages: [{ role: 'user', content: 'hola' }],
  }

  it('answers a message with usage in input/output tokens', async () => {
    const json = await (await post('/v1/messages', req)).json()
    expect(json).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: EXPECTED('mock-claude', 'hola') }],
      stop_reason: 'end_turn',
      usage: { input_tokens: PROMPT('hola'), output_tokens: COMPLETION('mock-claude', 'hola') },
    })
  })

  it('streams the Messages event sequence', async () => {
    const frames = sse(await (await post('/v1/messages', { ...req, stream: true })).text())
    const names = frames.map((f) => f.event)
    expect(names[0]).toBe('message_start')
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop'])
    const text = frames
      .filter((f) => f.event === 'content_block_delta')
      .map((f) => (JSON.parse(f.data) as { delta: { text: string } }).delta.text)
      .join('')
    expect(text).toBe(EXPECTED('mock-claude', 'hola'))
  })

  it('rejects a request without max_tokens in its own error shape', async () => {
    const res = await post('/v1/messages', { model: 'x', messages: [] })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    })
  })
})

describe('Gemini dialect', () => {
  const req = { contents: [{ role: 'user', parts: [{ text: 'hallo' }] }] }

  it('answers generateContent with usageMetadata', async () => {
    const json = await (await post('/v1beta/models/mock-gemini:generateContent', req)).json()
    expect(json).toMatchObject({
      candidates: [
        {
          content: { role: 'model', parts: [{ text: EXPECTED('mock-gemini', 'hallo') }] },
          finishReason: 'STOP',
        },
      ],
      usageMetadata: { promptTokenCount: PROMPT('hallo') },
    })
  })

  it('streams streamGenerateContent as SSE with the final counts on the last chunk', async () => {
    const frames = sse(
      await (await post('/v1beta/models/mock-gemini:streamGenerateContent?alt=sse', req)).text()
    )
    const chunks = frames.map(
      (f) =>
        JSON.parse(f.data) as {
          candidates: { content: { parts: { text: string }[] }; finishReason?: string }[]
          usageMetadata: { candidatesTokenCount: number }
        }
    )
    expect(chunks.map((c) => c.candidates[0]?.content.parts[0]?.text).join('')).toBe(
      EXPECTED('mock-gemini', 'hallo')
    )
    expect(chunks.at(-1)?.candidates[0]?.finishReason).toBe('STOP')
    expect(chunks.at(-1)?.usageMetadata.candidatesTokenCount).toBeGreaterThan(0)
  })

  it('reports errors with the Google status name', async () => {
    const res = await post('/v1beta/models/mock-gemini:generateContent', req, {
      'x-mock-fault': 'status:503',
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      error: { code: 503, message: 'injected 503', status: 'UNAVAILABLE' },
    })
  })
})

describe('faults and latency', () => {
  const req = { model: 'mock-gpt', messages: [{ role: 'user', content: 'x' }] }

  it('applies scripted faults in order, one per request', async () => {
    const script = await post('/__mock/script', { faults: ['status:500', 'status:429'] })
    expect(await script.json()).toEqual({ pending: 2 })
    expect((await post('/v1/chat/completions', req)).status).toBe(500)
    expect((await post('/v1/chat/completions', req)).status).toBe(429)
    expect((await post('/v1/chat/completions', req)).status).toBe(200)
  })

  it('refuses an unknown fault spec', async () => {
    const res = await post('/__mock/script', { faults: ['explode'] })
    expect(res.status).toBe(400)
    expect((await post('/v1/chat/completions', req, { 'x-mock-fault': 'cut:x' })).status).toBe(400)
  })

  it('resets the connection', async () => {
    await expect(post('/v1/chat/completions', req, { 'x-mock-fault': 'reset' })).rejects.toThrow()
  })

  it('cuts a stream after N frames', async () => {
    const res = await post(
      '/v1/chat/completions',
      { ...req, stream: true },
      { 'x-mock-fault': 'cut:2' }
    )
    expect(res.status).toBe(200)
    await expect(res.text()).rejects.toThrow()
  })

  it('sends Retry-After with a status when asked', async () => {
    const res = await post('/v1/chat/completions', req, { 'x-mock-fault': 'status:429:3' })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('3')
    expect(
      (await post('/v1/chat/completions', req, { 'x-mock-fault': 'status:429:x' })).status
    ).toBe(400)
  })

  it('stalls a stream after N frames until the client gives up', async () => {
    const res = await post(
      '/v1/chat/completions',
      { ...req, stream: true },
      { 'x-mock-fault': 'stall:1' }
    )
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value as Uint8Array)).toContain('chat.completion.chunk')
    const next = await Promise.race([
      reader.read().then(() => 'data'),
      new Promise((r) => setTimeout(() => r('silence'), 300)),
    ])
    expect(next).toBe('silence')
    await reader.cancel()
  })

  it('spaces stream frames on a slow fault', async () => {
    const started = Date.now()
    const res = await post(
      '/v1/chat/completions',
      { ...req, stream: true },
      { 'x-mock-fault': 'slow:40' }
    )
    const frames = sse(await res.text()).length
    expect(Date.now() - started).toBeGreaterThanOrEqual((frames - 1) * 40 - 10)
  })

  it('sends a truncated JSON body', async () => {
    const res = await post('/v1/chat/completions', req, { 'x-mock-fault': 'malformed' })
    await expect(res.json()).rejects.toThrow()
  })

  it('holds a request open on timeout until the client gives up', async () => {
    const started = Date.now()
    await expect(
      fetch(`${mock.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify(req),
        headers: { 'x-mock-fault': 'timeout' },
        signal: AbortSignal.timeout(200),
      })
    ).rejects.toThrow()
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
  })

  it('delays by the requested latency', async () => {
    const started = Date.now()
    await (await post('/v1/chat/completions', req, { 'x-mock-latency-ms': '120' })).text()
    expect(Date.now() - started).toBeGreaterThanOrEqual(115)
  })

  it('fails every Nth request when configured to', async () => {
    const flaky = await startMockProvider({
      failEvery: 3,
      failWith: { kind: 'status', status: 502 },
    })
    try {
      const statuses = []
      for (let i = 0; i < 6; i++) {
        const res = await fetch(`${flaky.url}/v1/chat/completions`, {
          method: 'POST',
          body: JSON.stringify(req),
        })
        statuses.push(res.status)
        await res.body?.cancel()
      }
      expect(statuses).toEqual([200, 200, 502, 200, 200, 502])
    } finally {
      await flaky.close()
    }
  })

  it('answers malformed JSON and unknown routes with clear errors', async () => {
    const bad = await post('/v1/chat/completions', '{"model":')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { message: 'request body is not valid JSON' } })
    expect((await post('/v2/nothing', {})).status).toBe(404)
  })
})
