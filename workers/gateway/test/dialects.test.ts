import type { ChatCompletionRequest } from '@trueport/contracts'
import { describe, expect, it } from 'vitest'
import { fromAnthropicRequest, toAnthropicRequest } from '../src/dialects/anthropic/request'
import {
  fromAnthropicResponse,
  toAnthropicResponse,
  usageFromAnthropic,
  usageToAnthropic,
} from '../src/dialects/anthropic/response'
import { AnthropicStreamDecoder, AnthropicStreamEncoder } from '../src/dialects/anthropic/stream'
import { UpstreamStreamError } from '../src/dialects/common'
import { fromGeminiRequest, toGeminiRequest } from '../src/dialects/gemini/request'
import { fromGeminiResponse, usageFromGemini } from '../src/dialects/gemini/response'
import { GeminiStreamDecoder } from '../src/dialects/gemini/stream'
import { OpenAIStreamDecoder } from '../src/dialects/openai/stream'
import { SseParser } from '../src/lib/sse'

const PNG = 'data:image/png;base64,iVBORw0KGgo='

const rich: ChatCompletionRequest = {
  model: 'm',
  messages: [
    { role: 'system', content: 'be brief' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: PNG } },
        { type: 'image_url', image_url: { url: 'https://x.test/cat.jpg' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '{"answer":"a cat"}' },
  ],
  max_tokens: 50,
  temperature: 1.5,
  stop: 'END',
  seed: 7,
  n: 2,
  tools: [
    {
      type: 'function',
      function: {
        name: 'lookup',
        description: 'look up',
        parameters: { type: 'object', properties: { q: { type: 'string' } } },
      },
    },
  ],
  tool_choice: { type: 'function', function: { name: 'lookup' } },
  parallel_tool_calls: false,
  response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
}

describe('OpenAI -> Anthropic request', () => {
  // Anthropic answers one choice per request, so n is left out here (and refused when > 1).
  const out = toAnthropicRequest({ ...rich, n: 1 }, 'claude-x')

  it('refuses n > 1 instead of silently answering once', () => {
    expect(() => toAnthropicRequest(rich, 'claude-x')).toThrow(/n=2/)
  })

  it('moves system prompts out, keeps images, tool calls and tool results as blocks', () => {
    expect(out.system).toContain('be brief')
    expect(out.messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        {
          type: 'image',
          source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
        },
        { type: 'image', source: { type: 'url', url: 'https://x.test/cat.jpg' } },
      ],
    })
    expect(out.messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'tool_use', id: 'call_1', name: 'lookup', input: { q: 'cat' } }],
    })
    expect(out.messages[2]).toEqual({
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"answer":"a cat"}' }],
    })
  })

  it('maps limits, sampling, stop, tools and tool choice; states the JSON schema as an instruction', () => {
    expect(out).toMatchObject({
      model: 'claude-x',
      max_tokens: 50,
      temperature: 1,
      stop_sequences: ['END'],
    })
    expect(out.tools).toEqual([
      {
        name: 'lookup',
        description: 'look up',
        input_schema: { type: 'object', properties: { q: { type: 'string' } } },
      },
    ])
    expect(out.tool_choice).toEqual({
      type: 'tool',
      name: 'lookup',
      disable_parallel_tool_use: true,
    })
    expect(out.system).toContain('JSON Schema: {"type":"object"}')
  })

  it('round-trips through the Anthropic surface parser', () => {
    const back = fromAnthropicRequest(out)
    expect(back.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool'])
    expect(back.messages[1]?.content).toEqual([
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: PNG } },
      { type: 'image_url', image_url: { url: 'https://x.test/cat.jpg' } },
    ])
    expect(back.tool_choice).toEqual({ type: 'function', function: { name: 'lookup' } })
    expect(back.parallel_tool_calls).toBe(false)
  })

  it('defaults max_tokens, which Anthropic requires', () => {
    expect(
      toAnthropicRequest({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'c').max_tokens
    ).toBe(4096)
  })
})

describe('OpenAI -> Gemini request', () => {
  const out = toGeminiRequest(rich)

  it('maps roles, images, function calls and responses (by name)', () => {
    expect(out.systemInstruction).toEqual({ parts: [{ text: 'be brief' }] })
    expect(out.contents[0]?.parts).toEqual([
      { text: 'what is this?' },
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { fileUri: 'https://x.test/cat.jpg' } },
    ])
    expect(out.contents[1]).toEqual({
      role: 'model',
      parts: [{ functionCall: { id: 'call_1', name: 'lookup', args: { q: 'cat' } } }],
    })
    expect(out.contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { id: 'call_1', name: 'lookup', response: { answer: 'a cat' } } },
      ],
    })
  })

  it('maps generation settings, JSON schema output, n, seed and forced tool choice', () => {
    expect(out.generationConfig).toEqual({
      temperature: 1.5,
      maxOutputTokens: 50,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object' },
    })
    expect(out.toolConfig).toEqual({
      functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup'] },
    })
  })

  it('round-trips through the Gemini surface parser, matching responses to calls', () => {
    const back = fromGeminiRequest(out, 'g', false)
    const tool = back.messages.find((m) => m.role === 'tool')
    const call = back.messages.find((m) => m.role === 'assistant')?.tool_calls?.[0]
    expect(tool?.tool_call_id).toBe(call?.id)
    expect(back.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'response', schema: { type: 'object' } },
    })
  })
})

describe('responses and usage', () => {
  it('Anthropic usage: cache reads count as prompt tokens and as cached, both ways', () => {
    const u = usageFromAnthropic({
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 90,
      cache_creation_input_tokens: 0,
    })
    expect(u).toEqual({
      prompt_tokens: 100,
      completion_tokens: 5,
      total_tokens: 105,
      prompt_tokens_details: { cached_tokens: 90 },
    })
    expect(usageToAnthropic(u)).toMatchObject({
      input_tokens: 10,
      cache_read_input_tokens: 90,
      output_tokens: 5,
    })
  })

  it('Gemini usage: thinking tokens are completion (reasoning) tokens', () => {
    expect(
      usageFromGemini({
        promptTokenCount: 8,
        candidatesTokenCount: 4,
        thoughtsTokenCount: 6,
        cachedContentTokenCount: 2,
      })
    ).toEqual({
      prompt_tokens: 8,
      completion_tokens: 10,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 6 },
    })
  })

  it('maps stop reasons and tool use from Anthropic, and back', () => {
    const c = fromAnthropicResponse(
      {
        type: 'message',
        id: 'msg_1',
        model: 'c',
        content: [
          { type: 'text', text: 'hi' },
          { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
        ],
        stop_reason: 'tool_use',
        usage: { input_tokens: 1, output_tokens: 2 },
      },
      'c'
    )
    expect(c.choices[0]).toMatchObject({
      finish_reason: 'tool_calls',
      message: {
        content: 'hi',
        tool_calls: [{ id: 't1', function: { name: 'f', arguments: '{"a":1}' } }],
      },
    })
    expect(toAnthropicResponse(c)).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'text' }, { type: 'tool_use', input: { a: 1 } }],
    })
    const long = fromAnthropicResponse(
      { type: 'message', content: [], stop_reason: 'max_tokens', usage: {} },
      'c'
    )
    expect(long.choices[0]?.finish_reason).toBe('length')
  })

  it('reads Gemini safety blocks and length stops', () => {
    expect(
      fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' } }, 'g').choices[0]
        ?.finish_reason
    ).toBe('content_filter')
    expect(
      fromGeminiResponse(
        { candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: 'MAX_TOKENS' }] },
        'g'
      ).choices[0]?.finish_reason
    ).toBe('length')
  })
})

describe('stream decoders', () => {
  const events = (text: string) => new SseParser().feed(text)

  it('SSE parser joins data lines, skips comments and survives chunk splits', () => {
    const p = new SseParser()
    expect(p.feed(': ping\n\nevent: a\nda')).toEqual([])
    expect(p.feed('ta: 1\ndata: 2\r\n\r\ndata: x')).toEqual([{ event: 'a', data: '1\n2' }])
    expect(p.end()).toEqual([{ data: 'x' }])
  })

  it('OpenAI: an error frame or a missing [DONE] is an UpstreamStreamError', () => {
    const d = new OpenAIStreamDecoder()
    expect(() => d.event({ data: '{"error":{"message":"overloaded"}}' })).toThrow(
      UpstreamStreamError
    )
    const cut = new OpenAIStreamDecoder()
    cut.event({ data: '{"choices":[]}' })
    expect(() => cut.end()).toThrow(/before \[DONE\]/)
  })

  it('Anthropic: streamed tool arguments arrive as tool-call deltas; usage at the end', () => {
    const d = new AnthropicStreamDecoder('c')
    const chunks = [
      ...events(
        'data: {"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":7,"output_tokens":1}}}\n\n'
      ),
      ...events(
        'data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}\n\n'
      ),
      ...events(
        'data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}\n\n'
      ),
      ...events(
        'data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"1}"}}\n\n'
      ),
      ...events(
        'data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}\n\n'
      ),
      ...events('data: {"type":"message_stop"}\n\n'),
    ].flatMap((e) => d.event(e))
    const args = chunks
      .flatMap((c) => c.choices[0]?.delta.tool_calls ?? [])
      .map((t) => t.function?.arguments ?? '')
      .join('')
    expect(args).toBe('{"a":1}')
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('tool_calls')
    expect(chunks.at(-1)?.usage).toEqual({
      prompt_tokens: 7,
      completion_tokens: 9,
      total_tokens: 16,
    })
    expect(() => d.end()).not.toThrow()
  })

  it('Anthropic: an error event or a stream without message_stop fails', () => {
    expect(() =>
      new AnthropicStreamDecoder('c').event({
        data: '{"type":"error","error":{"message":"overloaded"}}',
      })
    ).toThrow(/overloaded/)
    expect(() => new AnthropicStreamDecoder('c').end()).toThrow(/before message_stop/)
  })

  it('Gemini: whole function calls become single deltas; no finishReason means cut', () => {
    const d = new GeminiStreamDecoder('g')
    const out = d.event({
      data: '{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}',
    })
    expect(out.at(-1)?.choices[0]?.delta.tool_calls).toEqual([
      { index: 0, id: 'call_0_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
    ])
    expect(d.end()[0]?.choices[0]?.finish_reason).toBe('tool_calls')
    expect(() => new GeminiStreamDecoder('g').end()).toThrow(/without a finishReason/)
  })

  it('Anthropic encoder opens and closes blocks as text and tool calls alternate', () => {
    const e = new AnthropicStreamEncoder('msg_1', 'm')
    const base = { id: 'x', object: 'chat.completion.chunk' as const, created: 0, model: 'm' }
    let out = e.push({
      ...base,
      choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }],
    })
    out += e.push({
      ...base,
      choices: [
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{}' } }] },
          finish_reason: 'tool_calls',
        },
      ],
    })
    out += e.end()
    const types = out
      .split('\n\n')
      .filter(Boolean)
      .map((f) => (JSON.parse(/data: (.*)/.exec(f)?.[1] ?? '{}') as { type: string }).type)
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(out).toContain('"stop_reason":"tool_use"')
  })
})
