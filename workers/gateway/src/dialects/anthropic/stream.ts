import type { ChatCompletionChunk, FinishReason, Usage } from '@trueport/contracts'
import { eventJson, isRecord, nowSeconds, num, str, UpstreamStreamError } from '../common'
import type { SseEvent } from '../../lib/sse'
import { sseFrame } from '../../lib/sse'
import {
  finishFromAnthropic,
  stopReasonToAnthropic,
  usageFromAnthropic,
  usageToAnthropic,
} from './response'

/**
 * Anthropic Messages stream -> canonical chunks. Tool-use blocks become tool-call deltas with
 * their own index; the stream only counts as complete once `message_stop` arrived.
 */
export class AnthropicStreamDecoder {
  #id = 'msg'
  #model: string
  #created = nowSeconds()
  #toolIndex = new Map<number, number>()
  #usage: Record<string, unknown> = {}
  #finish: FinishReason = 'stop'
  #done = false

  constructor(model: string) {
    this.#model = model
  }

  #chunk(
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: FinishReason | null = null
  ): ChatCompletionChunk {
    return {
      id: this.#id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    }
  }

  event(ev: SseEvent): ChatCompletionChunk[] {
    const data = eventJson(ev.data, 'Anthropic')
    if (!data) return []
    switch (data.type) {
      case 'message_start': {
        const m = isRecord(data.message) ? data.message : {}
        this.#id = str(m.id) ?? this.#id
        this.#model = str(m.model) ?? this.#model
        this.#usage = { ...(isRecord(m.usage) ? m.usage : {}) }
        return [this.#chunk({ role: 'assistant', content: '' })]
      }
      case 'content_block_start': {
        const block = isRecord(data.content_block) ? data.content_block : {}
        if (block.type !== 'tool_use') return []
        const index = this.#toolIndex.size
        this.#toolIndex.set(num(data.index), index)
        return [
          this.#chunk({
            tool_calls: [
              {
                index,
                id: str(block.id) ?? `call_${index}`,
                type: 'function',
                function: { name: str(block.name) ?? '', arguments: '' },
              },
            ],
          }),
        ]
      }
      case 'content_block_delta': {
        const d = isRecord(data.delta) ? data.delta : {}
        if (d.type === 'text_delta') return [this.#chunk({ content: str(d.text) ?? '' })]
        if (d.type === 'input_json_delta') {
          const index = this.#toolIndex.get(num(data.index)) ?? 0
          return [
            this.#chunk({
              tool_calls: [{ index, function: { arguments: str(d.partial_json) ?? '' } }],
            }),
          ]
        }
        return []
      }
      case 'message_delta': {
        const d = isRecord(data.delta) ? data.delta : {}
        if (d.stop_reason) this.#finish = finishFromAnthropic(d.stop_reason)
        if (isRecord(data.usage)) Object.assign(this.#usage, data.usage)
        return []
      }
      case 'message_stop': {
        this.#done = true
        const final = this.#chunk({}, this.#finish)
        const usage: ChatCompletionChunk = {
          ...this.#chunk({}),
          choices: [],
          usage: usageFromAnthropic(this.#usage),
        }
        return [final, usage]
      }
      case 'error': {
        const e = isRecord(data.error) ? data.error : {}
        throw new UpstreamStreamError(`Anthropic stream error: ${str(e.message) ?? 'unknown'}`)
      }
      default:
        return []
    }
  }

  end(): ChatCompletionChunk[] {
    if (!this.#done) throw new UpstreamStreamError('Anthropic stream ended before message_stop')
    return []
  }
}

/**
 * Canonical chunks -> Anthropic Messages SSE (the /v1/messages surface). Opens and closes
 * content blocks as text and tool calls alternate; usage and the stop reason go out in
 * `message_delta` at the end, where Anthropic's SDKs read them.
 */
export class AnthropicStreamEncoder {
  #started = false
  #block: { kind: 'text' } | { kind: 'tool'; toolIndex: number } | undefined
  #blockIndex = -1
  #finish: FinishReason | null = null
  #usage: Usage | undefined

  constructor(
    private readonly id: string,
    private readonly model: string
  ) {}

  #start(): string {
    this.#started = true
    return sseFrame(
      {
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      'message_start'
    )
  }

  #close(): string {
    if (!this.#block) return ''
    this.#block = undefined
    return sseFrame({ type: 'content_block_stop', index: this.#blockIndex }, 'content_block_stop')
  }

  push(chunk: ChatCompletionChunk): string {
    let out = this.#started ? '' : this.#start()
    if (chunk.usage) this.#usage = chunk.usage
    const choice = chunk.choices[0]
    if (!choice) return out
    const { content, tool_calls } = choice.delta
    if (content) {
      if (this.#block?.kind !== 'text') {
        out += this.#close()
        this.#block = { kind: 'text' }
        out += sseFrame(
          {
            type: 'content_block_start',
            index: ++this.#blockIndex,
            content_block: { type: 'text', text: '' },
          },
          'content_block_start'
        )
      }
      out += sseFrame(
        {
          type: 'content_block_delta',
          index: this.#blockIndex,
          delta: { type: 'text_delta', text: content },
        },
        'content_block_delta'
      )
    }
    for (const call of tool_calls ?? []) {
      if (this.#block?.kind !== 'tool' || this.#block.toolIndex !== call.index) {
        out += this.#close()
        this.#block = { kind: 'tool', toolIndex: call.index }
        out += sseFrame(
          {
            type: 'content_block_start',
            index: ++this.#blockIndex,
            content_block: {
              type: 'tool_use',
              id: call.id ?? `toolu_${call.index}`,
              name: call.function?.name ?? '',
              input: {},
            },
          },
          'content_block_start'
        )
      }
      const partial = call.function?.arguments
      if (partial) {
        out += sseFrame(
          {
            type: 'content_block_delta',
            index: this.#blockIndex,
            delta: { type: 'input_json_delta', partial_json: partial },
          },
          'content_block_delta'
        )
      }
    }
    if (choice.finish_reason) this.#finish = choice.finish_reason
    return out
  }

  end(): string {
    let out = this.#started ? '' : this.#start()
    out += this.#close()
    out += sseFrame(
      {
        type: 'message_delta',
        delta: { stop_reason: stopReasonToAnthropic(this.#finish), stop_sequence: null },
        usage: usageToAnthropic(this.#usage),
      },
      'message_delta'
    )
    out += sseFrame({ type: 'message_stop' }, 'message_stop')
    return out
  }

  /** The error event that replaces a clean end when the upstream fails mid-stream. */
  static error(message: string): string {
    return sseFrame({ type: 'error', error: { type: 'api_error', message } }, 'error')
  }
}
