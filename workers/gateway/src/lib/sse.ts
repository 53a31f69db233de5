/**
 * Server-sent events, parsed incrementally and encoded. Pure: the stream plumbing lives in
 * lib/streams.ts. Follows the WHATWG event-stream rules the providers rely on: `data:` lines
 * of one event are joined with `\n`, `:` lines are comments, and an event ends at a blank line.
 */
export interface SseEvent {
  event?: string
  data: string
}

export class SseParser {
  #buffer = ''
  #event: string | undefined
  #data: string[] = []

  /** Feeds decoded text; returns the events completed by it. */
  feed(text: string): SseEvent[] {
    this.#buffer += text
    const out: SseEvent[] = []
    let start = 0
    for (;;) {
      const nl = this.#buffer.indexOf('\n', start)
      if (nl === -1) break
      let line = this.#buffer.slice(start, nl)
      start = nl + 1
      if (line.endsWith('\r')) line = line.slice(0, -1)
      this.#line(line, out)
    }
    this.#buffer = this.#buffer.slice(start)
    return out
  }

  /** Flushes an event left unterminated when the stream ended. */
  end(): SseEvent[] {
    const out: SseEvent[] = []
    if (this.#buffer !== '') this.#line(this.#buffer, out)
    this.#buffer = ''
    this.#line('', out)
    return out
  }

  #line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.#data.length > 0) {
        out.push(
          this.#event === undefined
            ? { data: this.#data.join('\n') }
            : { event: this.#event, data: this.#data.join('\n') }
        )
      }
      this.#event = undefined
      this.#data = []
      return
    }
    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') this.#data.push(value)
    else if (field === 'event') this.#event = value
  }
}

/** One SSE frame: `event:` when named, then `data:`, then the blank line. */
export function sseFrame(data: unknown, event?: string): string {
  const payload = typeof data === 'string' ? data : JSON.stringify(data)
  return event === undefined ? `data: ${payload}\n\n` : `event: ${event}\ndata: ${payload}\n\n`
}
