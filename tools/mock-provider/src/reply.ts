import type { ServerResponse } from 'node:http'
import type { Dialect, MockReply, MockRequest } from './dialects/types'
import { isRecord } from './dialects/types'
import { sendJson } from './http'
import { argumentsFor, countTokens, embeddingFor, replyText } from './text'

/** The mock calls at most two tools at once: enough to exercise parallel tool calls. */
const MAX_PARALLEL_CALLS = 2

/** The deterministic answer to one request: tool calls when tools are offered, else text. */
export function buildReply(request: MockRequest, n: number, dialect: Dialect): MockReply {
  const prefix = { openai: 'chatcmpl-mock-', anthropic: 'msg_mock_', gemini: 'resp-mock-' }
  const callPrefix = { openai: 'call_mock_', anthropic: 'toolu_mock_', gemini: 'call_mock_' }
  const calling = request.toolResults.length === 0 && request.tools.length > 0
  const toolCalls = calling
    ? request.tools.slice(0, MAX_PARALLEL_CALLS).map((t, i) => ({
        id: `${callPrefix[dialect.name]}${n}_${i}`,
        name: t.name,
        arguments: argumentsFor(t.parameters),
      }))
    : []
  const text = calling
    ? ''
    : request.toolResults.length > 0
      ? `Tool results received: ${request.toolResults.join('; ')}`
      : replyText(request.model, request.lastUserText)
  return {
    id: `${prefix[dialect.name]}${n}`,
    model: request.model,
    created: Math.floor(Date.now() / 1000),
    text,
    toolCalls,
    promptTokens: countTokens(request.lastUserText) + 8,
    completionTokens:
      countTokens(text) + toolCalls.reduce((sum, c) => sum + countTokens(c.arguments) + 4, 0),
  }
}

/** POST /v1/embeddings: unit vectors derived from each input's hash. */
export function embeddings(res: ServerResponse, body: unknown): void {
  if (!isRecord(body) || typeof body.model !== 'string') {
    return sendJson(res, 400, {
      error: { message: 'model is required', type: 'invalid_request_error' },
    })
  }
  const input = body.input
  const texts =
    typeof input === 'string' ? [input] : Array.isArray(input) ? input.map(String) : undefined
  if (!texts) {
    return sendJson(res, 400, {
      error: { message: 'input is required', type: 'invalid_request_error' },
    })
  }
  const tokens = texts.reduce((sum, t) => sum + countTokens(t), 0)
  sendJson(res, 200, {
    object: 'list',
    data: texts.map((t, index) => ({ object: 'embedding', index, embedding: embeddingFor(t) })),
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  })
}
