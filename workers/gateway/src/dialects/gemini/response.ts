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
import { logprobsFromGemini, logprobsToGemini } from './logprobs'
import type { GeminiPart } from './request'

const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
])

/** Gemini finishReason -> OpenAI finish_reason (a STOP that carried calls is tool_calls). */
export function finishFromGemini(reason: unknown, hasCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length'
  if (typeof reason === 'string' && FILTERED.has(reason)) return 'content_filter'
  return hasCalls ? 'tool_calls' : 'stop'
}

/** OpenAI finish_reason -> Gemini finishReason. */
export function finishToGemini(reason: FinishReason | null): string {
  if (reason === 'length') return 'MAX_TOKENS'
  if (reason === 'content_filter') return 'SAFETY'
  return 'STOP'
}

/** Gemini usageMetadata -> canonical usage; thinking tokens count as completion (reasoning). */
export function usageFromGemini(meta: unknown): Usage {
  const m = isRecord(meta) ? meta : {}
  const thoughts = num(m.thoughtsTokenCount)
  return makeUsage(
    num(m.promptTokenCount),
    num(m.candidatesTokenCount) + thoughts,
    num(m.cachedContentTokenCount),
    thoughts
  )
}

/** Canonical usage -> Gemini usageMetadata. */
export function usageToGemini(u: Usage | undefined | null) {
  const reasoning = u?.completion_tokens_details?.reasoning_tokens ?? 0
  const meta: Record<string, number> = {
    promptTokenCount: u?.prompt_tokens ?? 0,
    candidatesTokenCount: Math.max(0, (u?.completion_tokens ?? 0) - reasoning),
    totalTokenCount: u?.total_tokens ?? 0,
  }
  if (u?.prompt_tokens_details?.cached_tokens)
    meta.cachedContentTokenCount = u.prompt_tokens_details.cached_tokens
  if (reasoning) meta.thoughtsTokenCount = reasoning
  return meta
}

/** The text and function calls of one candidate's parts (thought parts are not answer text). */
export function readParts(parts: unknown, idPrefix: string): { text: string; calls: ToolCall[] } {
  let text = ''
  const calls: ToolCall[] = []
  for (const p of asArray(parts).filter(isRecord)) {
    if (typeof p.text === 'string' && p.thought !== true) text += p.text
    else if (isRecord(p.functionCall)) {
      const fc = p.functionCall
      calls.push({
        id: str(fc.id) ?? `${idPrefix}${calls.length}`,
        type: 'function',
        function: { name: str(fc.name) ?? '', arguments: JSON.stringify(fc.args ?? {}) },
      })
    }
  }
  return { text, calls }
}

/** Gemini generateContent response -> canonical chat completion. */
export function fromGeminiResponse(body: unknown, model: string): ChatCompletion {
  if (!isRecord(body)) throw new TranslationError('not a Gemini response')
  const id = str(body.responseId) ?? `gemini-${Date.now()}`
  const candidates = asArray(body.candidates).filter(isRecord)
  const choices: ChatCompletion['choices'] = candidates.map((cand, i) => {
    const { text, calls } = readParts(
      isRecord(cand.content) ? cand.content.parts : [],
      `call_${i}_`
    )
    const logprobs = logprobsFromGemini(cand.logprobsResult)
    return {
      index: num(cand.index) || i,
      message: assistantMessage(text, calls),
      finish_reason: finishFromGemini(cand.finishReason, calls.length > 0),
      ...(logprobs ? { logprobs } : {}),
    }
  })
  if (choices.length === 0) {
    // A prompt blocked by safety filters answers with promptFeedback and no candidates.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: '' },
      finish_reason: 'content_filter',
    })
  }
  return {
    id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: str(body.modelVersion) ?? model,
    choices,
    usage: usageFromGemini(body.usageMetadata),
  }
}

/** Canonical chat completion -> Gemini response (the Gemini surface). */
export function toGeminiResponse(c: ChatCompletion) {
  return {
    candidates: c.choices.map((choice) => {
      const parts: GeminiPart[] = []
      if (choice.message.content) parts.push({ text: choice.message.content })
      for (const call of choice.message.tool_calls ?? []) {
        parts.push({
          functionCall: {
            id: call.id,
            name: call.function.name,
            args: parseArguments(call.function.arguments),
          },
        })
      }
      return {
        content: { role: 'model', parts },
        finishReason: finishToGemini(choice.finish_reason),
        index: choice.index,
        ...logprobsToGemini(choice.logprobs),
      }
    }),
    usageMetadata: usageToGemini(c.usage),
    modelVersion: c.model,
    responseId: c.id,
  }
}

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

/** A Google-style error body, which @google/genai parses. */
export function geminiError(status: number, message: string) {
  return { error: { code: status, message, status: STATUS[status] ?? 'UNKNOWN' } }
}
