import { isRecord, str } from '../dialects/common'
import { toGeminiRequest } from '../dialects/gemini/request'
import { fromGeminiResponse } from '../dialects/gemini/response'
import { GeminiStreamDecoder } from '../dialects/gemini/stream'
import { baseUrlOf } from './openai-compatible'
import type { ProviderAdapter, Target } from './types'

const DEFAULT_BASE = 'https://generativelanguage.googleapis.com'

const headers = (t: Target, json: boolean): Record<string, string> => ({
  ...(json ? { 'content-type': 'application/json' } : {}),
  ...(t.apiKey ? { 'x-goog-api-key': t.apiKey } : {}),
  ...t.config.headers,
})

/** Google's Gemini API (generativelanguage v1beta). */
export const geminiAdapter: ProviderAdapter = {
  id: 'gemini',
  dialect: 'gemini',
  chat(req, t) {
    const method = req.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
    return {
      url: `${baseUrlOf(t, DEFAULT_BASE)}/v1beta/models/${encodeURIComponent(t.model)}:${method}`,
      method: 'POST',
      headers: headers(t, true),
      body: JSON.stringify(toGeminiRequest(req)),
    }
  },
  parseChat: (body, t) => fromGeminiResponse(body, t.model),
  streamDecoder: (t) => new GeminiStreamDecoder(t.model),
  // Gemini's OpenAI-compatible endpoint serves embeddings in the OpenAI shape.
  embeddings: (req, t) => ({
    url: `${baseUrlOf(t, DEFAULT_BASE)}/v1beta/openai/embeddings`,
    method: 'POST',
    headers: { ...headers(t, true), ...(t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}) },
    body: JSON.stringify({ ...req, model: t.model }),
  }),
  passthrough: (path, search, t) => ({
    url: `${baseUrlOf(t, DEFAULT_BASE)}/${path}${search}`,
    headers: headers(t, false),
  }),
  errorMessage: (body) =>
    isRecord(body) && isRecord(body.error) ? str(body.error.message) : undefined,
}
