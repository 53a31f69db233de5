/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- these readers walk three loose wire formats on purpose */
import { SELF } from 'cloudflare:test'
import { ORIGIN } from './helpers'

/** A tool call as the matrix compares it, whatever dialect carried it. */
export interface SeenCall {
  name: string
  args: unknown
}

/** What a test reads back from an answer, in any dialect. */
export interface Seen {
  text: string
  calls: SeenCall[]
  /** The dialect's own finish/stop reason, as its SDK would show it. */
  finish: string | undefined
  usage: { input: number; output: number } | undefined
}

const TOOL = {
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string' } },
    required: ['location'],
  },
}
const TOOL2 = {
  name: 'get_time',
  description: 'Local time',
  parameters: { type: 'object', properties: { tz: { type: 'string' } } },
}

export interface Turn {
  text?: string
  tools?: 1 | 2
  /** A previous tool call and its result, to send back for the final answer. */
  result?: { id: string; name: string; args: unknown; output: string }
}

export const sseData = (text: string) =>
  text
    .split('\n\n')
    .map((f) => /^data: (.*)$/m.exec(f)?.[1])
    .filter((d): d is string => d !== undefined && d !== '[DONE]')
    .map((d) => JSON.parse(d) as Record<string, unknown>)

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any -- test readers walk three loose wire formats

/** One client dialect: how to ask, and how to read the answer back. */
export interface Surface {
  name: 'openai' | 'anthropic' | 'gemini'
  send(key: string, model: string, turn: Turn, stream: boolean): Promise<Response>
  read(res: Response, stream: boolean): Promise<Seen>
}

const tools = (n: 1 | 2 | undefined) => (n === 2 ? [TOOL, TOOL2] : n === 1 ? [TOOL] : [])

export const openaiClient: Surface = {
  name: 'openai',
  send(key, model, turn, stream) {
    const messages: Json[] = [{ role: 'user', content: turn.text ?? 'ping' }]
    if (turn.result) {
      messages.push({
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: turn.result.id,
            type: 'function',
            function: { name: turn.result.name, arguments: JSON.stringify(turn.result.args) },
          },
        ],
      })
      messages.push({ role: 'tool', tool_call_id: turn.result.id, content: turn.result.output })
    }
    const body: Json = { model, messages, stream }
    const t = tools(turn.tools)
    if (t.length) body.tools = t.map((f) => ({ type: 'function', function: f }))
    return SELF.fetch(`${ORIGIN}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  },
  async read(res, stream) {
    if (!stream) {
      const j = await res.json<Json>()
      const m = j.choices[0].message
      return {
        text: m.content ?? '',
        calls: (m.tool_calls ?? []).map((c: Json) => ({
          name: c.function.name,
          args: JSON.parse(c.function.arguments),
        })),
        finish: j.choices[0].finish_reason,
        usage: j.usage
          ? { input: j.usage.prompt_tokens, output: j.usage.completion_tokens }
          : undefined,
      }
    }
    const chunks = sseData(await res.text()) as Json[]
    let text = ''
    let finish: string | undefined
    let usage: Seen['usage']
    const calls = new Map<number, { name: string; args: string }>()
    for (const c of chunks) {
      if (c.usage) usage = { input: c.usage.prompt_tokens, output: c.usage.completion_tokens }
      const choice = c.choices?.[0]
      if (!choice) continue
      text += choice.delta.content ?? ''
      for (const t of choice.delta.tool_calls ?? []) {
        const cur = calls.get(t.index) ?? { name: '', args: '' }
        cur.name += t.function?.name ?? ''
        cur.args += t.function?.arguments ?? ''
        calls.set(t.index, cur)
      }
      finish = choice.finish_reason ?? finish
    }
    return {
      text,
      calls: [...calls.values()].map((c) => ({ name: c.name, args: JSON.parse(c.args) })),
      finish,
      usage,
    }
  },
}

export const anthropicClient: Surface = {
  name: 'anthropic',
  send(key, model, turn, stream) {
    const messages: Json[] = [{ role: 'user', content: turn.text ?? 'ping' }]
    if (turn.result) {
      messages.push({
        role: 'assistant',
        content: [
          { type: 'tool_use', id: turn.result.id, name: turn.result.name, input: turn.result.args },
        ],
      })
      messages.push({
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: turn.result.id, content: turn.result.output },
        ],
      })
    }
    const body: Json = { model, max_tokens: 256, messages, stream }
    const t = tools(turn.tools)
    if (t.length)
      body.tools = t.map((f) => ({
        name: f.name,
        description: f.description,
        input_schema: f.parameters,
      }))
    return SELF.fetch(`${ORIGIN}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': key,
        'content-type': 'application/json',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify(body),
    })
  },
  async read(res, stream) {
    if (!stream) {
      const j = await res.json<Json>()
      return {
        text: j.content
          .filter((b: Json) => b.type === 'text')
          .map((b: Json) => b.text)
          .join(''),
        calls: j.content
          .filter((b: Json) => b.type === 'tool_use')
          .map((b: Json) => ({ name: b.name, args: b.input })),
        finish: j.stop_reason,
        usage: {
          input: j.usage.input_tokens + (j.usage.cache_read_input_tokens ?? 0),
          output: j.usage.output_tokens,
        },
      }
    }
    const events = sseData(await res.text()) as Json[]
    let text = ''
    let finish: string | undefined
    let usage: Seen['usage']
    const blocks = new Map<number, { name: string; args: string }>()
    for (const e of events) {
      if (e.type === 'content_block_start' && e.content_block.type === 'tool_use')
        blocks.set(e.index, { name: e.content_block.name, args: '' })
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text
      if (e.type === 'content_block_delta' && e.delta.type === 'input_json_delta') {
        const b = blocks.get(e.index)
        if (b) b.args += e.delta.partial_json
      }
      if (e.type === 'message_delta') {
        finish = e.delta.stop_reason
        usage = {
          input: (e.usage.input_tokens ?? 0) + (e.usage.cache_read_input_tokens ?? 0),
          output: e.usage.output_tokens,
        }
      }
    }
    return {
      text,
      calls: [...blocks.values()].map((b) => ({ name: b.name, args: JSON.parse(b.args || '{}') })),
      finish,
      usage,
    }
  },
}

export const geminiClient: Surface = {
  name: 'gemini',
  send(key, model, turn, stream) {
    const contents: Json[] = [{ role: 'user', parts: [{ text: turn.text ?? 'ping' }] }]
    if (turn.result) {
      contents.push({
        role: 'model',
        parts: [{ functionCall: { name: turn.result.name, args: turn.result.args } }],
      })
      contents.push({
        role: 'user',
        parts: [
          {
            functionResponse: { name: turn.result.name, response: { output: turn.result.output } },
          },
        ],
      })
    }
    const body: Json = { contents }
    const t = tools(turn.tools)
    if (t.length)
      body.tools = [
        {
          functionDeclarations: t.map((f) => ({
            name: f.name,
            description: f.description,
            parameters: f.parameters,
          })),
        },
      ]
    const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
    return SELF.fetch(`${ORIGIN}/v1beta/models/${model}:${method}`, {
      method: 'POST',
      headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  },
  async read(res, stream) {
    const bodies = stream ? (sseData(await res.text()) as Json[]) : [await res.json<Json>()]
    let text = ''
    let finish: string | undefined
    let usage: Seen['usage']
    const calls: SeenCall[] = []
    for (const b of bodies) {
      const cand = b.candidates?.[0]
      for (const p of cand?.content?.parts ?? []) {
        if (typeof p.text === 'string') text += p.text
        if (p.functionCall) calls.push({ name: p.functionCall.name, args: p.functionCall.args })
      }
      finish = cand?.finishReason ?? finish
      if (b.usageMetadata)
        usage = {
          input: b.usageMetadata.promptTokenCount,
          output: b.usageMetadata.candidatesTokenCount,
        }
    }
    return { text, calls, finish, usage }
  },
}

export const SURFACES = [openaiClient, anthropicClient, geminiClient]

/** The model names routed to each provider dialect in the test configuration. */
export const PROVIDER_MODELS = {
  openai: 'mock-gpt',
  anthropic: 'mock-claude',
  gemini: 'mock-gemini',
} as const

/** The finish reason each dialect reports for a plain end and for tool calls. */
export const FINISH = {
  openai: { stop: 'stop', tools: 'tool_calls' },
  anthropic: { stop: 'end_turn', tools: 'tool_use' },
  gemini: { stop: 'STOP', tools: 'STOP' },
} as const
