/** What the mock needs to know about a request, whatever dialect it arrived in. */
export interface MockRequest {
  model: string
  lastUserText: string
  stream: boolean
  /** OpenAI only sends usage in a stream when asked (`stream_options.include_usage`). */
  includeUsage: boolean
  /** Tools offered; when present (and no results came back yet) the mock calls them. */
  tools: MockTool[]
  /** Tool results in the last turn; the mock then answers with text that quotes them. */
  toolResults: string[]
  /** Alternatives per token when log probabilities were asked for; absent when not. */
  logprobs?: number
}

export interface MockTool {
  name: string
  parameters?: unknown
}

export interface MockToolCall {
  id: string
  name: string
  /** JSON text of the arguments. */
  arguments: string
}

/** The deterministic answer, before it is rendered in a dialect. */
export interface MockReply {
  id: string
  model: string
  created: number
  text: string
  toolCalls: MockToolCall[]
  promptTokens: number
  completionTokens: number
}

/**
 * One provider wire format. Everything here is pure: the server shell decides timing, faults
 * and framing on the socket.
 */
export interface Dialect {
  readonly name: 'openai' | 'anthropic' | 'gemini'
  /** Reads the parsed JSON body (and the URL, where the model lives for Gemini). */
  readRequest(body: unknown, url: URL): MockRequest | { error: string }
  /** The non-streaming response body. */
  completion(reply: MockReply, request: MockRequest): unknown
  /** The complete SSE frames of a streamed response, each ending in a blank line. */
  streamFrames(reply: MockReply, request: MockRequest): string[]
  /** The error body this provider sends with the given status. */
  error(status: number, message: string): unknown
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/** An SSE frame carrying JSON data, optionally with an event name. */
export function sseFrame(data: unknown, event?: string): string {
  const json = typeof data === 'string' ? data : JSON.stringify(data)
  return `${event === undefined ? '' : `event: ${event}\n`}data: ${json}\n\n`
}

/** Splits a string in two halves, so streamed tool arguments arrive in more than one piece. */
export function halves(text: string): string[] {
  const mid = Math.ceil(text.length / 2)
  return [text.slice(0, mid), text.slice(mid)].filter((s) => s.length > 0)
}
