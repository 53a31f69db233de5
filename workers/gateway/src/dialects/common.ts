import type { ChatMessage, ContentPart, FinishReason, ToolCall, Usage } from '@trueport/contracts'

/** Raised by a translator when a provider's payload cannot be understood. */
export class TranslationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TranslationError'
  }
}

/** Raised by a stream decoder when the provider reports an error or ends the stream early. */
export class UpstreamStreamError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UpstreamStreamError'
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** The text of a message's content, whether a string or typed parts. */
export function contentText(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content
  if (!content) return ''
  return content
    .map((p) => (p.type === 'text' && typeof p.text === 'string' ? p.text : ''))
    .join('')
}

/** Content as parts, so every translator handles one shape. */
export function contentParts(content: ChatMessage['content']): ContentPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }]
  return content ?? []
}

/** `data:<mime>;base64,<data>` split into its pieces, or undefined for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  return m?.[1] && m[2] !== undefined ? { mediaType: m[1], data: m[2] } : undefined
}

/** Parses tool-call arguments; a model's invalid JSON is kept under `_raw` rather than lost. */
export function parseArguments(args: string): Record<string, unknown> {
  if (args.trim() === '') return {}
  try {
    const v: unknown = JSON.parse(args)
    return isRecord(v) ? v : { _value: v }
  } catch {
    return { _raw: args }
  }
}

/** Builds canonical usage from counts, omitting detail blocks that carry nothing. */
export function makeUsage(prompt: number, completion: number, cached = 0, reasoning = 0): Usage {
  const usage: Usage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  }
  if (cached > 0) usage.prompt_tokens_details = { cached_tokens: cached }
  if (reasoning > 0) usage.completion_tokens_details = { reasoning_tokens: reasoning }
  return usage
}

/**
 * The JSON object in one SSE event's data. Invalid JSON from a provider is an
 * UpstreamStreamError (the stream then ends with an error event); non-objects are ignored.
 */
export function eventJson(data: string, provider: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch {
    throw new UpstreamStreamError(`${provider} stream sent invalid JSON`)
  }
  return isRecord(value) ? value : undefined
}

/** An assistant message in the canonical shape: content is null when only tools were called. */
export function assistantMessage(text: string, calls: ToolCall[]) {
  return {
    role: 'assistant' as const,
    content: text === '' && calls.length > 0 ? null : text,
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  }
}

/** Seconds since the epoch, as OpenAI's `created`. */
export const nowSeconds = () => Math.floor(Date.now() / 1000)

export type { FinishReason }
