import type { AuditRecordV1 } from '@trueport/contracts'
import type { Segment } from '../detectors'

type Json = unknown

/** Every string worth reading in a chat-like body, with its JSON path. */
function collect(value: Json, path: string, out: { path: string; text: string }[]): void {
  if (typeof value === 'string') {
    if (value.trim()) out.push({ path, text: value })
    return
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, `${path}.${i}`, out))
    return
  }
  if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value as Record<string, Json>))
      if (TEXT_FIELDS.has(k) || CONTAINERS.has(k)) collect(v, path ? `${path}.${k}` : k, out)
}

/** Fields that hold text, and fields that hold things holding text, across the three dialects. */
const TEXT_FIELDS = new Set([
  'content',
  'text',
  'system',
  'input',
  'prompt',
  'arguments',
  'refusal',
])
const CONTAINERS = new Set([
  'messages',
  'choices',
  'message',
  'delta',
  'parts',
  'contents',
  'candidates',
  'systemInstruction',
  'tool_calls',
  'function',
  'instructions',
])

/** The texts of one body: parsed when it is JSON (OpenAI, Anthropic, Gemini), whole otherwise. */
export function bodySegments(field: Segment['field'], body: string | undefined): Segment[] {
  if (!body) return []
  let parsed: Json
  try {
    parsed = JSON.parse(body)
  } catch {
    return [{ field, path: '', text: body }]
  }
  const out: { path: string; text: string }[] = []
  collect(parsed, '', out)
  return out.map((s) => ({ field, ...s }))
}

/** What the detectors read of a record: request texts, then the answer (a stream's assembled text). */
export function recordSegments(record: AuditRecordV1): Segment[] {
  const response = record.response.assembled
    ? [{ field: 'response' as const, path: 'assembled', text: record.response.assembled }]
    : bodySegments('response', record.response.text)
  return [...bodySegments('request', record.request.text), ...response]
}
