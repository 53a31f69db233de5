import { isRecord } from '../dialects/common'
import { SseParser } from './sse'

/** The text a frame's JSON carries, in whichever dialect it is written. */
function textOf(data: unknown): string {
  if (!isRecord(data)) return ''
  // OpenAI: choices[].delta.content (and tool-call arguments).
  if (Array.isArray(data.choices)) {
    let out = ''
    for (const choice of data.choices) {
      const delta = isRecord(choice) && isRecord(choice.delta) ? choice.delta : undefined
      if (typeof delta?.content === 'string') out += delta.content
      if (Array.isArray(delta?.tool_calls))
        for (const t of delta.tool_calls)
          if (isRecord(t) && isRecord(t.function) && typeof t.function.arguments === 'string')
            out += t.function.arguments
    }
    return out
  }
  // Anthropic: content_block_delta with text or partial tool JSON.
  if (data.type === 'content_block_delta' && isRecord(data.delta)) {
    const d = data.delta
    return typeof d.text === 'string'
      ? d.text
      : typeof d.partial_json === 'string'
        ? d.partial_json
        : ''
  }
  // Gemini: candidates[].content.parts[].text.
  if (Array.isArray(data.candidates)) {
    let out = ''
    for (const c of data.candidates) {
      const parts = isRecord(c) && isRecord(c.content) ? c.content.parts : undefined
      if (Array.isArray(parts))
        for (const p of parts) if (isRecord(p) && typeof p.text === 'string') out += p.text
    }
    return out
  }
  return ''
}

/**
 * A streamed answer's text, assembled from its SSE frames (OpenAI, Anthropic or Gemini), for
 * the audit record: what the client was actually told, without re-reading a thousand frames.
 */
export function assembleStream(sse: string): string {
  const parser = new SseParser()
  let out = ''
  for (const ev of [...parser.feed(sse), ...parser.end()]) {
    if (ev.data === '' || ev.data === '[DONE]') continue
    try {
      out += textOf(JSON.parse(ev.data))
    } catch {
      // A frame that is not JSON adds no text.
    }
  }
  return out
}
