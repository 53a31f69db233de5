import type { ChatCompletionRequest, ChatMessage, ToolCall } from '@trueport/contracts'
import {
  asArray,
  assistantMessage,
  contentParts,
  contentText,
  isRecord,
  parseArguments,
  parseDataUrl,
  str,
  TranslationError,
} from '../common'

export type GeminiPart =
  | { text: string; thought?: boolean }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { mimeType?: string; fileUri: string } }
  | { functionCall: { id?: string; name: string; args: Record<string, unknown> } }
  | { functionResponse: { id?: string; name: string; response: Record<string, unknown> } }

export interface GeminiContent {
  role: 'user' | 'model'
  parts: GeminiPart[]
}

export interface GeminiRequest {
  contents: GeminiContent[]
  systemInstruction?: { parts: { text: string }[] }
  tools?: {
    functionDeclarations: { name: string; description?: string; parametersJsonSchema?: unknown }[]
  }[]
  toolConfig?: {
    functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] }
  }
  generationConfig?: Record<string, unknown>
}

function pushMerged(out: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[]): void {
  if (parts.length === 0) return
  const last = out.at(-1)
  if (last?.role === role) last.parts.push(...parts)
  else out.push({ role, parts })
}

function userParts(m: ChatMessage): GeminiPart[] {
  const parts: GeminiPart[] = []
  for (const p of contentParts(m.content)) {
    if (p.type === 'text' && p.text !== undefined) parts.push({ text: p.text })
    else if (p.type === 'image_url' && p.image_url) {
      const data = parseDataUrl(p.image_url.url)
      parts.push(
        data
          ? { inlineData: { mimeType: data.mediaType, data: data.data } }
          : { fileData: { fileUri: p.image_url.url } }
      )
    }
  }
  return parts
}

function toolResponse(content: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(content)
    return isRecord(v) ? v : { result: v }
  } catch {
    return { result: content }
  }
}

/** Canonical (OpenAI) request -> Gemini generateContent body, for a Gemini upstream. */
export function toGeminiRequest(req: ChatCompletionRequest): GeminiRequest {
  const system: string[] = []
  const contents: GeminiContent[] = []
  // Gemini answers a function call by name, OpenAI by id: remember which id was which name.
  const callNames = new Map<string, string>()
  for (const m of req.messages) {
    if (m.role === 'system' || m.role === 'developer') system.push(contentText(m.content))
    else if (m.role === 'user') pushMerged(contents, 'user', userParts(m))
    else if (m.role === 'assistant') {
      const parts: GeminiPart[] = []
      const text = contentText(m.content)
      if (text !== '') parts.push({ text })
      for (const call of m.tool_calls ?? []) {
        callNames.set(call.id, call.function.name)
        parts.push({
          functionCall: {
            id: call.id,
            name: call.function.name,
            args: parseArguments(call.function.arguments),
          },
        })
      }
      pushMerged(contents, 'model', parts)
    } else {
      const id = m.tool_call_id ?? ''
      pushMerged(contents, 'user', [
        {
          functionResponse: {
            id,
            name: callNames.get(id) ?? m.name ?? id,
            response: toolResponse(contentText(m.content)),
          },
        },
      ])
    }
  }
  const out: GeminiRequest = { contents }
  if (system.length) out.systemInstruction = { parts: [{ text: system.join('\n\n') }] }
  if (req.tools?.length) {
    out.tools = [
      {
        functionDeclarations: req.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description ? { description: t.function.description } : {}),
          ...(t.function.parameters ? { parametersJsonSchema: t.function.parameters } : {}),
        })),
      },
    ]
    const c = req.tool_choice
    if (c === 'required') out.toolConfig = { functionCallingConfig: { mode: 'ANY' } }
    else if (c === 'none') out.toolConfig = { functionCallingConfig: { mode: 'NONE' } }
    else if (typeof c === 'object')
      out.toolConfig = {
        functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [c.function.name] },
      }
  }
  const gen: Record<string, unknown> = {}
  if (req.temperature != null) gen.temperature = req.temperature
  if (req.top_p != null) gen.topP = req.top_p
  const max = req.max_completion_tokens ?? req.max_tokens
  if (max != null) gen.maxOutputTokens = max
  if (req.stop != null) gen.stopSequences = typeof req.stop === 'string' ? [req.stop] : req.stop
  if (req.n != null && req.n > 1) gen.candidateCount = req.n
  if (req.seed != null) gen.seed = req.seed
  if (req.response_format?.type === 'json_object') gen.responseMimeType = 'application/json'
  if (req.response_format?.type === 'json_schema') {
    gen.responseMimeType = 'application/json'
    if (req.response_format.json_schema.schema)
      gen.responseJsonSchema = req.response_format.json_schema.schema
  }
  if (req.logprobs) {
    gen.responseLogprobs = true
    if (req.top_logprobs != null) gen.logprobs = req.top_logprobs
  }
  if (Object.keys(gen).length) out.generationConfig = gen
  return out
}

/**
 * Gemini generateContent body (the Gemini surface) -> canonical request. Function calls get
 * ids (Gemini's own when present) so later function responses can refer to them.
 */
export function fromGeminiRequest(
  body: unknown,
  model: string,
  stream: boolean
): ChatCompletionRequest {
  if (!isRecord(body) || !Array.isArray(body.contents))
    throw new TranslationError('contents: field required')
  const messages: ChatMessage[] = []
  const sys = isRecord(body.systemInstruction)
    ? asArray(body.systemInstruction.parts).filter(isRecord)
    : []
  const sysText = sys.map((p) => str(p.text) ?? '').join('')
  if (sysText !== '') messages.push({ role: 'system', content: sysText })
  const pending: ToolCall[] = []
  let counter = 0
  for (const raw of body.contents) {
    if (!isRecord(raw)) throw new TranslationError('contents: each entry must be an object')
    const parts = asArray(raw.parts).filter(isRecord)
    if (raw.role === 'model') {
      const text = parts
        .filter((p) => typeof p.text === 'string' && p.thought !== true)
        .map((p) => String(p.text))
        .join('')
      const calls: ToolCall[] = parts
        .filter((p) => isRecord(p.functionCall))
        .map((p) => {
          const fc = p.functionCall as Record<string, unknown>
          return {
            id: str(fc.id) ?? `call_${++counter}`,
            type: 'function' as const,
            function: { name: str(fc.name) ?? '', arguments: JSON.stringify(fc.args ?? {}) },
          }
        })
      pending.push(...calls)
      messages.push(assistantMessage(text, calls))
      continue
    }
    const content: ChatMessage['content'] = []
    for (const p of parts) {
      if (isRecord(p.functionResponse)) {
        const fr = p.functionResponse
        const name = str(fr.name) ?? ''
        const match = pending.findIndex((c) =>
          str(fr.id) ? c.id === fr.id : c.function.name === name
        )
        const id = match >= 0 ? (pending.splice(match, 1)[0]?.id ?? name) : (str(fr.id) ?? name)
        messages.push({
          role: 'tool',
          tool_call_id: id,
          content: JSON.stringify(fr.response ?? {}),
        })
      } else if (typeof p.text === 'string') content.push({ type: 'text', text: p.text })
      else if (isRecord(p.inlineData)) {
        content.push({
          type: 'image_url',
          image_url: {
            url: `data:${str(p.inlineData.mimeType) ?? 'image/png'};base64,${str(p.inlineData.data) ?? ''}`,
          },
        })
      } else if (isRecord(p.fileData)) {
        content.push({ type: 'image_url', image_url: { url: str(p.fileData.fileUri) ?? '' } })
      }
    }
    if (content.length) messages.push({ role: 'user', content })
  }
  if (messages.length === 0)
    throw new TranslationError('contents: at least one message is required')
  const req: ChatCompletionRequest = { model, messages }
  if (stream) req.stream = true
  const gen = isRecord(body.generationConfig) ? body.generationConfig : {}
  if (typeof gen.temperature === 'number') req.temperature = gen.temperature
  if (typeof gen.topP === 'number') req.top_p = gen.topP
  if (typeof gen.maxOutputTokens === 'number') req.max_tokens = gen.maxOutputTokens
  if (Array.isArray(gen.stopSequences))
    req.stop = gen.stopSequences.filter((s): s is string => typeof s === 'string')
  if (typeof gen.candidateCount === 'number') req.n = gen.candidateCount
  if (typeof gen.seed === 'number') req.seed = gen.seed
  if (gen.responseLogprobs === true) {
    req.logprobs = true
    if (typeof gen.logprobs === 'number') req.top_logprobs = gen.logprobs
  }
  const schema = gen.responseJsonSchema ?? gen.responseSchema
  if (isRecord(schema))
    req.response_format = { type: 'json_schema', json_schema: { name: 'response', schema } }
  else if (gen.responseMimeType === 'application/json')
    req.response_format = { type: 'json_object' }
  const decls = asArray(body.tools)
    .filter(isRecord)
    .flatMap((t) => asArray(t.functionDeclarations).filter(isRecord))
  if (decls.length) {
    req.tools = decls.map((d) => {
      const params = d.parametersJsonSchema ?? d.parameters
      return {
        type: 'function' as const,
        function: {
          name: str(d.name) ?? '',
          ...(str(d.description) ? { description: str(d.description) } : {}),
          ...(isRecord(params) ? { parameters: params } : {}),
        },
      }
    })
  }
  const fcc =
    isRecord(body.toolConfig) && isRecord(body.toolConfig.functionCallingConfig)
      ? body.toolConfig.functionCallingConfig
      : undefined
  if (fcc?.mode === 'ANY') {
    const names = asArray(fcc.allowedFunctionNames).filter(
      (n): n is string => typeof n === 'string'
    )
    req.tool_choice =
      names.length === 1 && names[0]
        ? { type: 'function', function: { name: names[0] } }
        : 'required'
  } else if (fcc?.mode === 'NONE') req.tool_choice = 'none'
  return req
}
