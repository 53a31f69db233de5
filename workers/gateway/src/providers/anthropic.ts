import { isRecord, str } from '../dialects/common'
import { toAnthropicRequest } from '../dialects/anthropic/request'
import { fromAnthropicResponse } from '../dialects/anthropic/response'
import { AnthropicStreamDecoder } from '../dialects/anthropic/stream'
import { baseUrlOf } from './openai-compatible'
import type { ProviderAdapter, Target } from './types'

/** The Messages API version the translators are written against. */
const ANTHROPIC_VERSION = '2023-06-01'
const DEFAULT_BASE = 'https://api.anthropic.com'

const headers = (t: Target, json: boolean): Record<string, string> => ({
  ...(json ? { 'content-type': 'application/json' } : {}),
  'anthropic-version': ANTHROPIC_VERSION,
  ...(t.apiKey ? { 'x-api-key': t.apiKey } : {}),
  ...t.config.headers,
})

/** Anthropic's Messages API. */
export const anthropicAdapter: ProviderAdapter = {
  id: 'anthropic',
  dialect: 'anthropic',
  chat: (req, t) => ({
    url: `${baseUrlOf(t, DEFAULT_BASE)}/v1/messages`,
    method: 'POST',
    headers: headers(t, true),
    body: JSON.stringify(toAnthropicRequest(req, t.model)),
  }),
  parseChat: (body, t) => fromAnthropicResponse(body, t.model),
  streamDecoder: (t) => new AnthropicStreamDecoder(t.model),
  passthrough: (path, search, t) => ({
    url: `${baseUrlOf(t, DEFAULT_BASE)}/${path}${search}`,
    headers: headers(t, false),
  }),
  errorMessage: (body) =>
    isRecord(body) && isRecord(body.error) ? str(body.error.message) : undefined,
}
