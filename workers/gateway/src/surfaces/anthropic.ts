import { anthropicErrorType, toAnthropicResponse } from '../dialects/anthropic/response'
import { AnthropicStreamEncoder } from '../dialects/anthropic/stream'
import type { ClientSurface } from './types'

/** The Anthropic surface: POST /v1/messages, answered by any provider. */
export const anthropicSurface: ClientSurface = {
  dialect: 'anthropic',
  render: (completion) => toAnthropicResponse(completion),
  encoder: (id, model) =>
    new AnthropicStreamEncoder(id.startsWith('msg_') ? id : `msg_${id}`, model),
  errorFrame: (message) => AnthropicStreamEncoder.error(message),
  errorBody: (code, status, message, requestId) => ({
    type: 'error',
    error: { type: anthropicErrorType(status), message, code },
    ...(requestId ? { request_id: requestId } : {}),
  }),
}
