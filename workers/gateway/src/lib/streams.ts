import type { ChatCompletionChunk, Usage } from '@trueport/contracts'
import { UpstreamStreamError } from '../dialects/common'
import type { StreamDecoder } from '../providers/types'
import { SseParser } from './sse'

/** Renders canonical chunks in a client's dialect. */
export interface ChunkEncoder {
  push(chunk: ChatCompletionChunk): string
  end(): string
}

export interface StreamHooks {
  /** Called once with the usage the provider reported, when it did. */
  onUsage?(usage: Usage): void
  /** The client-dialect error frame that replaces a clean end when the upstream fails. */
  errorFrame(message: string): string
  /** Called once when the stream is over: `failed` when the upstream broke, stalled or erred. */
  onEnd?(failed: boolean): void
  /** The longest silence tolerated from the upstream between chunks; unbounded if absent. */
  idleMs?: number
}

const encoder = new TextEncoder()

/**
 * Cancels the reader when the upstream has been silent for `idleMs`. One timer per idle period,
 * re-armed for the remainder when data came in meanwhile: no timer per chunk.
 */
function idleWatchdog(reader: ReadableStreamDefaultReader<Uint8Array>, idleMs: number | undefined) {
  let last = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  const state = { stalled: false }
  const limit = idleMs ?? Infinity
  const check = () => {
    const quiet = Date.now() - last
    if (quiet < limit) {
      timer = setTimeout(check, limit - quiet)
      return
    }
    state.stalled = true
    // Resolves the pending read as done; the pump sees `stalled` and reports it.
    void reader.cancel('upstream stream stalled').catch(() => undefined)
  }
  if (idleMs) timer = setTimeout(check, idleMs)
  return {
    state,
    touch: () => {
      last = Date.now()
    },
    stop: () => {
      if (timer !== undefined) clearTimeout(timer)
    },
  }
}

/** Pulls bytes from `upstream`, hands text to `onText`, and turns any failure into one error frame. */
function pump(
  upstream: ReadableStream<Uint8Array>,
  onText: (text: string, bytes: Uint8Array) => string | Uint8Array,
  onEnd: () => string,
  hooks: StreamHooks
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader()
  const decoder = new TextDecoder()
  let finished = false
  let watchdog: ReturnType<typeof idleWatchdog> | undefined
  const finish = (failed: boolean) => {
    finished = true
    watchdog?.stop()
    hooks.onEnd?.(failed)
  }
  return new ReadableStream<Uint8Array>({
    start() {
      watchdog = idleWatchdog(reader, hooks.idleMs)
    },
    async pull(controller) {
      if (finished) return
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (watchdog?.state.stalled) throw new UpstreamStreamError('stalled')
          if (done) {
            const tail = onText(decoder.decode(), new Uint8Array())
            const out = (typeof tail === 'string' ? tail : '') + onEnd()
            finish(false)
            if (out) controller.enqueue(encoder.encode(out))
            controller.close()
            return
          }
          watchdog?.touch()
          const out = onText(decoder.decode(value, { stream: true }), value)
          if (typeof out === 'string' ? out.length > 0 : out.byteLength > 0) {
            controller.enqueue(typeof out === 'string' ? encoder.encode(out) : out)
            return
          }
        }
      } catch (cause) {
        finish(true)
        // A cancelled read may reject rather than end, depending on the stream's source.
        const message = watchdog?.state.stalled
          ? `upstream stream stalled: nothing for ${hooks.idleMs} ms`
          : cause instanceof UpstreamStreamError
            ? cause.message
            : 'upstream stream failed mid-response'
        controller.enqueue(encoder.encode(hooks.errorFrame(message)))
        controller.close()
        void reader.cancel().catch(() => undefined)
      }
    },
    cancel(reason) {
      // The client went away; the upstream did nothing wrong.
      if (!finished) finish(false)
      return reader.cancel(reason)
    },
  })
}

/**
 * Provider stream -> client stream in another dialect: SSE parse, decode to canonical chunks,
 * encode for the client, all incrementally; nothing is buffered beyond one event.
 */
export function translateStream(
  upstream: ReadableStream<Uint8Array>,
  decoder: StreamDecoder,
  out: ChunkEncoder,
  hooks: StreamHooks
): ReadableStream<Uint8Array> {
  const sse = new SseParser()
  const emit = (chunks: ChatCompletionChunk[]) => {
    let text = ''
    for (const chunk of chunks) {
      if (chunk.usage) hooks.onUsage?.(chunk.usage)
      text += out.push(chunk)
    }
    return text
  }
  return pump(
    upstream,
    (text) => {
      let frames = ''
      for (const ev of sse.feed(text)) frames += emit(decoder.event(ev))
      return frames
    },
    () => {
      let frames = ''
      for (const ev of sse.end()) frames += emit(decoder.event(ev))
      return frames + emit(decoder.end()) + out.end()
    },
    hooks
  )
}

/**
 * OpenAI upstream -> OpenAI client: the bytes go through unchanged (the fastest path), while a
 * light parse watches for usage, errors and a missing `[DONE]`. Only frames that mention
 * usage or an error are JSON-parsed.
 */
export function passthroughStream(
  upstream: ReadableStream<Uint8Array>,
  decoder: StreamDecoder,
  hooks: StreamHooks
): ReadableStream<Uint8Array> {
  const sse = new SseParser()
  const watch = (events: ReturnType<SseParser['feed']>) => {
    for (const ev of events) {
      if (ev.data === '[DONE]' || ev.data.includes('"usage":{') || ev.data.includes('"error"')) {
        for (const chunk of decoder.event(ev)) if (chunk.usage) hooks.onUsage?.(chunk.usage)
      }
    }
  }
  return pump(
    upstream,
    (text, bytes) => {
      watch(sse.feed(text))
      return bytes
    },
    () => {
      watch(sse.end())
      decoder.end()
      return ''
    },
    hooks
  )
}
