import { ERROR_TYPES } from '@trueport/contracts'
import { OpenAIStreamEncoder } from '../dialects/openai/stream'
import type { ClientSurface } from './types'

/** The OpenAI surface: /v1/chat/completions, the canonical dialect itself. */
export const openaiSurface: ClientSurface = {
  dialect: 'openai',
  render: (completion) => completion,
  encoder: () => new OpenAIStreamEncoder(),
  errorFrame: (message, requestId) => OpenAIStreamEncoder.error(message, requestId),
  errorBody: (code, _status, message, requestId, param) => ({
    error: {
      message,
      type: ERROR_TYPES[code],
      code,
      param: param ?? null,
      ...(requestId ? { request_id: requestId } : {}),
    },
  }),
}
