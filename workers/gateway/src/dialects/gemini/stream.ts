import type { ChatCompletionChunk, FinishReason, ToolCall, Usage } from '@trueport/contracts'
import {
  asArray,
  eventJson,
  isRecord,
  nowSeconds,
  parseArguments,
  str,
  UpstreamStreamError,
} from '../common'
import { sseFrame, type SseEvent } from '../../lib/sse'
import { logprobsFromGemini, logprobsToGemini } from './logprobs'
import {
  finishFromGemini,
  finishToGemini,
  geminiError,
  readParts,
  usageFromGemini,
  usageToGemini,
} from './response'

/**
 * Gemini streamGenerateContent (alt=sse) -> canonical chunks. Gemini sends whole function calls
 * in one part, so each becomes a single tool-call delta. Complete once a finishReason arrived.
 */
export class GeminiStreamDecoder {
  #id = `gemini-${Date.now()}`
  #created = nowSeconds()
  #started = false
  #tools = 0
  #finish: FinishReason | undefined
  #usage: unknown

  constructor(private model: string) {}

  #chunk(
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: FinishReason | null = null,
    logprobs?: ChatCompletionChunk['choices'][number]['logprobs']
  ): ChatCompletionChunk {
    return {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, ...(logprobs ? { logprobs } : {}) }],
    }
  }

  event(ev: SseEvent): ChatCompletionChunk[] {
    const data = eventJson(ev.data, 'Gemini')
    if (!data) return []
    if (isRecord(data.error))
      throw new UpstreamStreamError(`Gemini stream error: ${str(data.error.message) ?? 'unknown'}`)
    const out: ChatCompletionChunk[] = []
    if (!this.#started) {
      this.#started = true
      this.#id = str(data.responseId) ?? this.#id
      out.push(this.#chunk({ role: 'assistant', content: '' }))
    }
    if (data.usageMetadata) this.#usage = data.usageMetadata
    const cand = asArray(data.candidates).filter(isRecord)[0]
    if (cand) {
      const { text, calls } = readParts(
        isRecord(cand.content) ? cand.content.parts : [],
        `call_${this.#tools}_`
      )
      if (text)
        out.push(this.#chunk({ content: text }, null, logprobsFromGemini(cand.logprobsResult)))
      for (const call of calls) {
        out.push(
          this.#chunk({
            tool_calls: [
              { index: this.#tools++, id: call.id, type: 'function', function: call.function },
            ],
          })
        )
      }
      if (cand.finishReason) this.#finish = finishFromGemini(cand.finishReason, this.#tools > 0)
    }
    return out
  }

  end(): ChatCompletionChunk[] {
    if (this.#finish === undefined)
      throw new UpstreamStreamError('Gemini stream ended without a finishReason')
    return [
      this.#chunk({}, this.#finish),
      { ...this.#chunk({}), choices: [], usage: usageFromGemini(this.#usage) },
    ]
  }
}

/**
 * Canonical chunks -> Gemini SSE (the Gemini surface). Text goes out as it comes; tool-call
 * arguments are buffered until the call is complete, since Gemini parts carry whole calls.
 */
export class GeminiStreamEncoder {
  #calls = new Map<number, ToolCall>()
  #finish: FinishReason | null = null
  #usage: Usage | undefined

  constructor(
    private readonly id: string,
    private readonly model: string
  ) {}

  push(chunk: ChatCompletionChunk): string {
    if (chunk.usage) this.#usage = chunk.usage
    const choice = chunk.choices[0]
    if (!choice) return ''
    for (const d of choice.delta.tool_calls ?? []) {
      const call = this.#calls.get(d.index) ?? {
        id: d.id ?? `call_${d.index}`,
        type: 'function' as const,
        function: { name: '', arguments: '' },
      }
      if (d.function?.name) call.function.name += d.function.name
      if (d.function?.arguments) call.function.arguments += d.function.arguments
      this.#calls.set(d.index, call)
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason
    const text = choice.delta.content
    if (!text) return ''
    return sseFrame({
      candidates: [
        {
          content: { role: 'model', parts: [{ text }] },
          index: 0,
          ...logprobsToGemini(choice.logprobs),
        },
      ],
      modelVersion: this.model,
      responseId: this.id,
    })
  }

  end(): string {
    const parts = [...this.#calls.values()].map((c) => ({
      functionCall: { id: c.id, name: c.function.name, args: parseArguments(c.function.arguments) },
    }))
    return sseFrame({
      candidates: [
        { content: { role: 'model', parts }, finishReason: finishToGemini(this.#finish), index: 0 },
      ],
      usageMetadata: usageToGemini(this.#usage),
      modelVersion: this.model,
      responseId: this.id,
    })
  }

  static error(message: string): string {
    return sseFrame(geminiError(502, message))
  }
}
