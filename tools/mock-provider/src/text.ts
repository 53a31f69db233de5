/**
 * Deterministic content for the mock provider: the same request always gets the same reply,
 * so tests can assert on exact text and token counts.
 */

/** The text the mock answers with for a given model and the last user message. */
export function replyText(model: string, lastUserText: string): string {
  const quoted = lastUserText.replace(/\s+/g, ' ').trim().slice(0, 200)
  return `Hello from the TruePort mock provider (${model}). You said: "${quoted}".`
}

/**
 * A rough, stable token count (about four characters a token, like English BPE on average).
 * Real tokenisers differ; the mock only needs to be consistent.
 */
export function countTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4))
}

/** Splits a reply into the chunks a stream delivers: one word (with its leading space) each. */
export function streamChunks(text: string): string[] {
  return text.match(/\s*\S+/g) ?? []
}

/** Flattens OpenAI/Anthropic-style content (a string or typed parts) into plain text. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content
    .map((part: unknown) =>
      part !== null && typeof part === 'object' && 'text' in part && typeof part.text === 'string'
        ? part.text
        : ''
    )
    .join('')
}

/** A deterministic unit vector for embeddings, derived from the text by a 32-bit FNV-1a hash. */
export function embeddingFor(text: string, dimensions = 8): number[] {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  const raw = Array.from({ length: dimensions }, (_, i) => Math.sin(h + i * 2654435761))
  const norm = Math.hypot(...raw) || 1
  return raw.map((v) => v / norm)
}

/**
 * Deterministic arguments for a tool from its JSON Schema: every declared property gets a value
 * of its type ("mock", 1, true, [], {}), so the call always validates against simple schemas.
 */
export function argumentsFor(parameters: unknown): string {
  const props =
    parameters !== null && typeof parameters === 'object' && 'properties' in parameters
      ? (parameters as { properties?: Record<string, { type?: unknown }> }).properties
      : undefined
  const args: Record<string, unknown> = {}
  for (const [name, schema] of Object.entries(props ?? {})) {
    const type: unknown = Array.isArray(schema.type) ? (schema.type as unknown[])[0] : schema.type
    args[name] =
      type === 'number' || type === 'integer'
        ? 1
        : type === 'boolean'
          ? true
          : type === 'array'
            ? []
            : type === 'object'
              ? {}
              : 'mock'
  }
  return JSON.stringify(args)
}

/** One token of a reply with its log probability and the alternatives the mock "considered". */
export interface MockLogprob {
  token: string
  logprob: number
  top: { token: string; logprob: number }[]
}

/**
 * Deterministic log probabilities, one per streamed chunk (the mock's "token"): the chosen token
 * comes first among `top` alternatives, each less likely than the one before.
 */
export function tokenLogprobs(text: string, top: number): MockLogprob[] {
  return streamChunks(text).map((token) => {
    let h = 0
    for (let i = 0; i < token.length; i++) h = (h * 31 + token.charCodeAt(i)) >>> 0
    const logprob = -((h % 997) + 1) / 1000
    return {
      token,
      logprob,
      top: Array.from({ length: top }, (_, k) =>
        k === 0 ? { token, logprob } : { token: `${token}~${k}`, logprob: logprob - k }
      ),
    }
  })
}
