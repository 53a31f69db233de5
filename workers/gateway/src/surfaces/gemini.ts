import { geminiError, toGeminiResponse } from '../dialects/gemini/response'
import { GeminiStreamEncoder } from '../dialects/gemini/stream'
import type { ClientSurface } from './types'

/** The Gemini surface: /v1beta/models/{model}:generateContent and :streamGenerateContent. */
export const geminiSurface: ClientSurface = {
  dialect: 'gemini',
  render: (completion) => toGeminiResponse(completion),
  encoder: (id, model) => new GeminiStreamEncoder(id, model),
  errorFrame: (message) => GeminiStreamEncoder.error(message),
  errorBody: (code, status, message, requestId) => {
    const body = geminiError(status, message)
    return {
      error: {
        ...body.error,
        // google.rpc.ErrorInfo is where Google APIs put machine-readable reasons.
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: code,
            domain: 'trueport',
            metadata: { request_id: requestId ?? '' },
          },
        ],
      },
    }
  },
}
