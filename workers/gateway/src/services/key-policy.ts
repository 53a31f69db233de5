import {
  modelRefusal,
  type ChatCompletionRequest,
  type Endpoint,
  type KeySnapshot,
} from '@trueport/contracts'
import { GatewayError } from '../errors'
import { ipAllowed } from '../lib/ip'

/** The endpoint family of a data-plane path, as key scopes name them. */
export function endpointOf(path: string): Endpoint {
  if (path.startsWith('/v1beta/')) return 'gemini'
  if (path === '/v1/chat/completions') return 'chat'
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'messages'
  if (path === '/v1/embeddings') return 'embeddings'
  if (path === '/v1/models' || path.startsWith('/v1/models/')) return 'models'
  return 'passthrough'
}

/**
 * The key's own restrictions, checked right after authentication: expiry (rotation grace
 * included), the client address against its allowlist, and the endpoint against its scopes.
 */
export function checkKeyScope(
  key: KeySnapshot,
  request: { path: string; clientIp: string | undefined },
  now = Date.now()
): void {
  if (key.expiresAt !== null && key.expiresAt <= now)
    throw new GatewayError('expired_api_key', 'this API key has expired')
  if (key.ipAllowlist.length && !(request.clientIp && ipAllowed(key.ipAllowlist, request.clientIp)))
    throw new GatewayError('ip_not_allowed', 'this API key may not be used from this address')
  const endpoint = endpointOf(request.path)
  if (key.endpoints.length && !key.endpoints.includes(endpoint))
    throw new GatewayError(
      'endpoint_not_allowed',
      `this API key may not call ${endpoint} endpoints`
    )
}

/** The model a request is served as after the key's aliases, or 403 when policy refuses it. */
export function governedModel(key: KeySnapshot | undefined, requested: string): string {
  if (!key) return requested
  const served = key.aliases[requested] ?? requested
  const refusal =
    modelRefusal(key, requested) ?? (served === requested ? null : modelRefusal(key, served))
  if (refusal) throw new GatewayError('model_not_allowed', refusal, { param: 'model' })
  return served
}

/** The policy's extra fallback models for `model`, those it allows. */
export const policyFallbacks = (key: KeySnapshot | undefined, model: string): string[] =>
  (key?.fallbacks[model] ?? []).filter((m) => modelRefusal(key as KeySnapshot, m) === null)

/** The text of a chat request's messages, for the input guardrails. */
function promptText(req: ChatCompletionRequest): string {
  const parts: string[] = []
  for (const m of req.messages) {
    const content = (m as { content?: unknown }).content
    if (typeof content === 'string') parts.push(content)
    else if (Array.isArray(content))
      for (const p of content as { type?: string; text?: unknown }[])
        if (typeof p.text === 'string') parts.push(p.text)
  }
  return parts.join('\n')
}

/** Input guardrails from the key's policy: prompt size and blocked terms (400 before sending). */
export function guardPrompt(key: KeySnapshot | undefined, req: ChatCompletionRequest): void {
  if (!key || (!key.blockedTerms.length && key.maxPromptBytes === undefined)) return
  const text = promptText(req)
  if (
    key.maxPromptBytes !== undefined &&
    new TextEncoder().encode(text).length > key.maxPromptBytes
  )
    throw new GatewayError(
      'guardrail_blocked',
      `the prompt exceeds ${key.maxPromptBytes} bytes allowed by policy`
    )
  const lower = text.toLowerCase()
  const hit = key.blockedTerms.find((t) => lower.includes(t))
  if (hit)
    throw new GatewayError('guardrail_blocked', 'the prompt contains a term blocked by policy')
}
