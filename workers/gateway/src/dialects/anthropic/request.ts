import type { ChatCompletionRequest, ChatMessage, ToolChoice } from '@trueport/contracts'
import {
  asArray,
  assistantMessage,
  contentParts,
  contentText,
  isRecord,
  parseArguments,
  parseDataUrl,
  str,
  TranslationError,
} from '../common'
import {
  DEFAULT_MAX_TOKENS,
  type AnthropicBlock,
  type AnthropicMessage,
  type AnthropicRequest,
  type AnthropicToolChoice,
} from './types'

function userBlocks(message: ChatMessage): AnthropicBlock[] {
  const blocks: AnthropicBlock[] = []
  for (const part of contentParts(message.content)) {
    if (part.type === 'text' && part.text !== undefined)
      blocks.push({ type: 'text', text: part.text })
    else if (part.type === 'image_url' && part.image_url) {
      const data = parseDataUrl(part.image_url.url)
      blocks.push({
        type: 'image',
        source: data
          ? { type: 'base64', media_type: data.mediaType, data: data.data }
          : { type: 'url', url: part.image_url.url },
      })
    }
  }
  return blocks
}

function toolChoice(
  choice: ToolChoice | undefined,
  parallel: boolean | undefined
): AnthropicToolChoice | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {}
  if (choice === undefined) return parallel === false ? { type: 'auto', ...noParallel } : undefined
  if (choice === 'auto') return { type: 'auto', ...noParallel }
  if (choice === 'required') return { type: 'any', ...noParallel }
  if (choice === 'none') return { type: 'none' }
  return { type: 'tool', name: choice.function.name, ...noParallel }
}

/** Appends to the last message when it has the same role: Anthropic requires alternation. */
function pushMerged(
  out: AnthropicMessage[],
  role: AnthropicMessage['role'],
  blocks: AnthropicBlock[]
): void {
  if (blocks.length === 0) return
  const last = out.at(-1)
  if (last?.role === role && Array.isArray(last.content)) last.content.push(...blocks)
  else out.push({ role, content: blocks })
}

/** Canonical (OpenAI) request -> Anthropic Messages request, for an Anthropic upstream. */
export function toAnthropicRequest(req: ChatCompletionRequest, model: string): AnthropicRequest {
  if (req.n != null && req.n > 1) {
    throw new TranslationError(`n: Anthropic models return one choice per request; got n=${req.n}`)
  }
  const system: string[] = []
  const messages: AnthropicMessage[] = []
  for (const m of req.messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(contentText(m.content))
        break
      case 'user':
        pushMerged(messages, 'user', userBlocks(m))
        break
      case 'assistant': {
        const blocks: AnthropicBlock[] = []
        const text = contentText(m.content)
        if (text !== '') blocks.push({ type: 'text', text })
        for (const call of m.tool_calls ?? []) {
          blocks.push({
            type: 'tool_use',
            id: call.id,
            name: call.function.name,
            input: parseArguments(call.function.arguments),
          })
        }
        pushMerged(messages, 'assistant', blocks)
        break
      }
      case 'tool':
      case 'function':
        pushMerged(messages, 'user', [
          {
            type: 'tool_result',
            tool_use_id: m.tool_call_id ?? m.name ?? '',
            content: contentText(m.content),
          },
        ])
        break
    }
  }
  if (req.response_format?.type === 'json_schema' || req.response_format?.type === 'json_object') {
    // Anthropic has no response_format; the schema is stated as an instruction instead.
    const schema =
      req.response_format.type === 'json_schema'
        ? req.response_format.json_schema.schema
        : undefined
    system.push(
      `Respond with a single JSON value and nothing else.${schema ? ` It must match this JSON Schema: ${JSON.stringify(schema)}` : ''}`
    )
  }
  const out: AnthropicRequest = {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    messages,
  }
  if (system.length > 0) out.system = system.join('\n\n')
  if (req.stop != null) out.stop_sequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  // OpenAI allows temperature up to 2; Anthropic up to 1.
  if (req.temperature != null) out.temperature = Math.min(req.temperature, 1)
  if (req.top_p != null) out.top_p = req.top_p
  if (req.stream) out.stream = true
  if (req.tools?.length) {
    out.tools = req.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: 'object', properties: {} },
    }))
  }
  const choice = toolChoice(req.tool_choice, req.parallel_tool_calls)
  if (choice && req.tools?.length) out.tool_choice = choice
  if (req.user) out.metadata = { user_id: req.user }
  return out
}

function blocksOf(content: unknown): Record<string, unknown>[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  return asArray(content).filter(isRecord)
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content
  return blocksOf(content)
    .map((b) => str(b.text) ?? '')
    .join('')
}

/**
 * Anthropic Messages request (the /v1/messages surface) -> canonical request. Unknown block
 * types are dropped; a body that is not a Messages request raises TranslationError.
 */
export function fromAnthropicRequest(body: unknown): ChatCompletionRequest {
  if (!isRecord(body)) throw new TranslationError('body must be a JSON object')
  const model = str(body.model)
  if (!model) throw new TranslationError('model: field required')
  if (typeof body.max_tokens !== 'number') throw new TranslationError('max_tokens: field required')
  if (!Array.isArray(body.messages)) throw new TranslationError('messages: field required')

  const messages: ChatMessage[] = []
  const system = typeof body.system === 'string' ? body.system : resultText(body.system)
  if (system !== '') messages.push({ role: 'system', content: system })

  for (const raw of body.messages) {
    if (!isRecord(raw) || (raw.role !== 'user' && raw.role !== 'assistant')) {
      throw new TranslationError('messages: each message needs role user or assistant')
    }
    const blocks = blocksOf(raw.content)
    if (raw.role === 'assistant') {
      const text = blocks
        .filter((b) => b.type === 'text')
        .map((b) => str(b.text) ?? '')
        .join('')
      const calls = blocks
        .filter((b) => b.type === 'tool_use')
        .map((b) => ({
          id: str(b.id) ?? '',
          type: 'function' as const,
          function: { name: str(b.name) ?? '', arguments: JSON.stringify(b.input ?? {}) },
        }))
      messages.push(assistantMessage(text, calls))
      continue
    }
    // A user turn may hold tool results (which become tool messages) and ordinary content.
    const parts: ChatMessage['content'] = []
    for (const b of blocks) {
      if (b.type === 'tool_result') {
        messages.push({
          role: 'tool',
          tool_call_id: str(b.tool_use_id) ?? '',
          content: resultText(b.content),
        })
      } else if (b.type === 'text') {
        parts.push({ type: 'text', text: str(b.text) ?? '' })
      } else if (b.type === 'image' && isRecord(b.source)) {
        const s = b.source
        const url =
          s.type === 'base64'
            ? `data:${str(s.media_type) ?? 'image/png'};base64,${str(s.data) ?? ''}`
            : (str(s.url) ?? '')
        parts.push({ type: 'image_url', image_url: { url } })
      }
    }
    if (parts.length > 0) messages.push({ role: 'user', content: parts })
  }

  const req: ChatCompletionRequest = { model, messages, max_tokens: body.max_tokens }
  if (Array.isArray(body.stop_sequences))
    req.stop = body.stop_sequences.filter((s): s is string => typeof s === 'string')
  if (typeof body.temperature === 'number') req.temperature = body.temperature
  if (typeof body.top_p === 'number') req.top_p = body.top_p
  if (body.stream === true) req.stream = true
  if (Array.isArray(body.tools)) {
    req.tools = body.tools.filter(isRecord).map((t) => ({
      type: 'function' as const,
      function: {
        name: str(t.name) ?? '',
        ...(str(t.description) ? { description: str(t.description) } : {}),
        parameters: isRecord(t.input_schema) ? t.input_schema : { type: 'object' },
      },
    }))
  }
  if (isRecord(body.tool_choice)) {
    const c = body.tool_choice
    if (c.type === 'any') req.tool_choice = 'required'
    else if (c.type === 'none') req.tool_choice = 'none'
    else if (c.type === 'tool' && typeof c.name === 'string')
      req.tool_choice = { type: 'function', function: { name: c.name } }
    else req.tool_choice = 'auto'
    if (c.disable_parallel_tool_use === true) req.parallel_tool_calls = false
  }
  if (isRecord(body.metadata) && typeof body.metadata.user_id === 'string')
    req.user = body.metadata.user_id
  return req
}
