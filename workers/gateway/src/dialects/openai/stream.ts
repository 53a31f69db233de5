import type { ChatCompletionChunk } from '@trueport/contracts'
import { eventJson, isRecord, str, UpstreamStreamError } from '../common'
import { sseFrame, type SseEvent } from '../../lib/sse'

/** OpenAI-dialect stream -> canonical chunks (the identity, plus error and early-end checks). */
export class OpenAIStreamDecoder {
  #done = false

  event(ev: SseEvent): ChatCompletionChunk[] {
    if (ev.data === '[DONE]') {
      this.#done = true
      return []
    }
    const data = eventJson(ev.data, 'upstream')
    if (!data) return []
    if (isRecord(data.error))
      throw new UpstreamStreamError(
        `upstream stream error: ${str(data.error.message) ?? 'unknown'}`
      )
    return [data as unknown as ChatCompletionChunk]
  }

  end(): ChatCompletionChunk[] {
    if (!this.#done) throw new UpstreamStreamError('upstream stream ended before [DONE]')
    return []
  }
}

/** Canonical chunks -> OpenAI SSE (the /v1/chat/completions surface). */
export class OpenAIStreamEncoder {
  push(chunk: ChatCompletionChunk): string {
    return sseFrame(chunk)
  }

  end(): string {
    return 'data: [DONE]\n\n'
  }

  static error(message: string, requestId?: string): string {
    return sseFrame({
      error: {
        message,
        type: 'api_error',
        code: 'upstream_error',
        ...(requestId ? { request_id: requestId } : {}),
      },
    })
  }
}
