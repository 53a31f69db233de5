import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { mockProvidersConfig, startMockProvider, type MockProvider } from '@trueport/mock-provider'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../support/gateway'

/**
 * Conformance: the official OpenAI, Anthropic and Google SDKs, unmodified, pointed at the
 * built gateway (in workerd) — for every pair of client dialect and provider dialect, with
 * and without streaming, with tools. The mock provider behind speaks each provider's format.
 */
let mock: MockProvider
let gw: RunningGateway
let key: string
beforeAll(async () => {
  mock = await startMockProvider()
  gw = await startGateway({ PROVIDERS: JSON.stringify(mockProvidersConfig(mock.url)) })
  key = await gw.newKey()
}, 120_000)
afterAll(async () => {
  await gw?.close()
  await mock?.close()
})

const MODELS = ['mock-gpt', 'mock-claude', 'mock-gemini'] as const
const said = (model: string, text: string) =>
  `Hello from the TruePort mock provider (${model}). You said: "${text}".`
const weather = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
}

describe.each(MODELS)('openai SDK -> %s', (model) => {
  const client = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 })

  it('completes, non-streaming', async () => {
    const r = await client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'ping' }],
    })
    expect(r.choices[0]?.message.content).toBe(said(model, 'ping'))
    expect(r.usage?.total_tokens).toBeGreaterThan(0)
  })

  it('streams', async () => {
    const s = await client().chat.completions.create({
      model,
      stream: true,
      messages: [{ role: 'user', content: 'ping' }],
    })
    let text = ''
    let usage = 0
    for await (const chunk of s) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage ||= chunk.usage?.total_tokens ?? 0
    }
    expect(text).toBe(said(model, 'ping'))
    expect(usage).toBeGreaterThan(0)
  })

  it('calls tools, streaming (accumulated by the SDK helper)', async () => {
    const runner = client().chat.completions.stream({
      model,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: weather }],
    })
    const final = await runner.finalChatCompletion()
    const call = final.choices[0]?.message.tool_calls?.[0]
    expect(call?.type === 'function' && call.function.name).toBe('get_weather')
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({
      location: 'mock',
    })
    expect(final.choices[0]?.finish_reason).toBe('tool_calls')
  })
})

describe.each(MODELS)('@anthropic-ai/sdk -> %s', (model) => {
  const client = () => new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })

  it('creates a message, non-streaming', async () => {
    const m = await client().messages.create({
      model,
      max_tokens: 128,
      messages: [{ role: 'user', content: 'ping' }],
    })
    expect(m.content[0]?.type === 'text' && m.content[0].text).toBe(said(model, 'ping'))
    expect(m.stop_reason).toBe('end_turn')
    expect(m.usage.output_tokens).toBeGreaterThan(0)
  })

  it('streams and assembles the final message', async () => {
    const stream = client().messages.stream({
      model,
      max_tokens: 128,
      messages: [{ role: 'user', content: 'ping' }],
    })
    let text = ''
    stream.on('text', (t) => (text += t))
    const m = await stream.finalMessage()
    expect(text).toBe(said(model, 'ping'))
    expect(m.usage.output_tokens).toBeGreaterThan(0)
  })

  it('calls tools, streaming', async () => {
    const stream = client().messages.stream({
      model,
      max_tokens: 128,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [
        {
          name: weather.name,
          description: weather.description,
          input_schema: weather.parameters as Anthropic.Tool.InputSchema,
        },
      ],
    })
    const m = await stream.finalMessage()
    const block = m.content.find((b) => b.type === 'tool_use')
    expect(block?.type === 'tool_use' && block.name).toBe('get_weather')
    expect(block?.type === 'tool_use' && block.input).toEqual({ location: 'mock' })
    expect(m.stop_reason).toBe('tool_use')
  })
})

describe.each(MODELS)('@google/genai -> %s', (model) => {
  const client = () => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: gw.url } })

  it('generates content, non-streaming', async () => {
    const r = await client().models.generateContent({ model, contents: 'ping' })
    expect(r.text).toBe(said(model, 'ping'))
    expect(r.usageMetadata?.totalTokenCount).toBeGreaterThan(0)
  })

  it('streams', async () => {
    const s = await client().models.generateContentStream({ model, contents: 'ping' })
    let text = ''
    for await (const chunk of s) text += chunk.text ?? ''
    expect(text).toBe(said(model, 'ping'))
  })

  it('calls functions', async () => {
    const r = await client().models.generateContent({
      model,
      contents: 'weather?',
      config: {
        tools: [
          {
            functionDeclarations: [
              {
                name: weather.name,
                description: weather.description,
                parametersJsonSchema: weather.parameters,
              },
            ],
          },
        ],
      },
    })
    expect(r.functionCalls?.map((c) => ({ name: c.name, args: c.args }))).toEqual([
      { name: 'get_weather', args: { location: 'mock' } },
    ])
  })
})

describe('errors reach each SDK in its own shape', () => {
  it('openai: 401 with the stable code', async () => {
    const bad = new OpenAI({
      baseURL: `${gw.url}/v1`,
      apiKey: `tp_dev_${'x'.repeat(40)}`,
      maxRetries: 0,
    })
    await expect(
      bad.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'x' }] })
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    })
  })

  it('anthropic: 401 as an authentication_error, unknown model as not_found_error', async () => {
    const bad = new Anthropic({
      baseURL: gw.url,
      apiKey: `tp_dev_${'x'.repeat(40)}`,
      maxRetries: 0,
    })
    await expect(
      bad.messages.create({
        model: 'mock-claude',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'x' }],
      })
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError)
    const good = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })
    await expect(
      good.messages.create({
        model: 'no-such-model',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'x' }],
      })
    ).rejects.toBeInstanceOf(Anthropic.NotFoundError)
  })

  it('gemini: 401 and 404 as ApiError with the status', async () => {
    const bad = new GoogleGenAI({
      apiKey: `tp_dev_${'x'.repeat(40)}`,
      httpOptions: { baseUrl: gw.url },
    })
    await expect(
      bad.models.generateContent({ model: 'mock-gemini', contents: 'x' })
    ).rejects.toMatchObject({ status: 401 })
    const good = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: gw.url } })
    await expect(
      good.models.generateContent({ model: 'no-such-model', contents: 'x' })
    ).rejects.toMatchObject({ status: 404 })
  })
})
