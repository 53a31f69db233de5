import type { ChatCompletion, FinishReason, ToolCall, Usage } from '@trueport/contracts'
import {
  asArray,
  assistantMessage,
  isRecord,
  makeUsage,
  nowSeconds,
  num,
  parseArguments,
  str,
  TranslationError,
} from '../common'
import type { AnthropicBlock, AnthropicResponse, AnthropicStopReason } from './types'

const FINISH: Record<string, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

/** Anthropic stop_reason -> OpenAI finish_reason. */
export const finishFromAnthropic = (reason: unknown): FinishReason =>
  FINISH[String(reason)] ?? 'stop'

/** OpenAI finish_reason -> Anthropic stop_reason. */
export function stopReasonToAnthropic(reason: FinishReason | null): AnthropicStopReason {
  switch (reason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end_turn'
  }
}

/** Anthropic usage -> canonical usage; cache reads and writes count as prompt tokens. */
export function usageFromAnthropic(u: unknown): Usage {
  const r = isRecord(u) ? u : {}
  const cached = num(r.cache_read_input_tokens)
  const prompt = num(r.input_tokens) + cached + num(r.cache_creation_input_tokens)
  return makeUsage(prompt, num(r.output_tokens), cached)
}

/** Canonical usage -> Anthropic usage (input_tokens excludes cache reads there). */
export function usageToAnthropic(u: Usage | undefined | null) {
  const cached = u?.prompt_tokens_details?.cached_tokens ?? 0
  return {
    input_tokens: Math.max(0, (u?.prompt_tokens ?? 0) - cached),
    output_tokens: u?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  }
}

/** Anthropic Messages response -> canonical chat completion. */
export function fromAnthropicResponse(body: unknown, model: string): ChatCompletion {
  if (!isRecord(body) || body.type !== 'message')
    throw new TranslationError('not an Anthropic message')
  let text = ''
  const calls: ToolCall[] = []
  for (const block of asArray(body.content).filter(isRecord)) {
    if (block.type === 'text') text += str(block.text) ?? ''
    else if (block.type === 'tool_use') {
      calls.push({
        id: str(block.id) ?? `call_${calls.length}`,
        type: 'function',
        function: { name: str(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) },
      })
    }
  }
  return {
    id: str(body.id) ?? 'msg',
    object: 'chat.completion',
    created: nowSeconds(),
    model: str(body.model) ?? model,
    choices: [
      {
        index: 0,
        message: assistantMessage(text, calls),
        finish_reason: finishFromAnthropic(body.stop_reason),
      },
    ],
    usage: usageFromAnthropic(body.usage),
  }
}

/** Canonical chat completion -> Anthropic Messages response (the /v1/messages surface). */
export function toAnthropicResponse(c: ChatCompletion): AnthropicResponse {
  const choice = c.choices[0]
  const content: AnthropicBlock[] = []
  if (choice?.message.content) content.push({ type: 'text', text: choice.message.content })
  for (const call of choice?.message.tool_calls ?? []) {
    content.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseArguments(call.function.arguments),
    })
  }
  return {
    id: c.id.startsWith('msg_') ? c.id : `msg_${c.id}`,
    type: 'message',
    role: 'assistant',
    model: c.model,
    content,
    stop_reason: stopReasonToAnthropic(choice?.finish_reason ?? null),
    stop_sequence: null,
    usage: usageToAnthropic(c.usage),
  }
}

/** The Anthropic error `type` for an HTTP status, as its SDKs expect. */
export function anthropicErrorType(status: number): string {
  if (status === 400 || status === 413 || status === 422) return 'invalid_request_error'
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status === 503 || status === 529) return 'overloaded_error'
  return 'api_error'
}
