import { ChatCompletionRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import { TranslationError } from '../dialects/common'
import { fromGeminiRequest } from '../dialects/gemini/request'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJsonValue, validate } from '../lib/json-body'
import { runChat } from '../services/chat'
import { geminiSurface } from '../surfaces/gemini'

const METHODS = { generateContent: false, streamGenerateContent: true } as const

/**
 * POST /v1beta/models/{model}:generateContent | :streamGenerateContent — the Gemini surface,
 * answered by any provider. Streams are SSE (the `alt=sse` form the SDKs use).
 */
export const geminiRoutes = new Hono<AppEnv>().post('/models/:target', async (c) => {
  const target = c.req.param('target')
  const colon = target.lastIndexOf(':')
  const model = decodeURIComponent(target.slice(0, colon))
  const method = target.slice(colon + 1)
  if (colon <= 0 || !(method in METHODS)) {
    throw new GatewayError(
      'not_found',
      `unsupported method "${method}"; use generateContent or streamGenerateContent`
    )
  }
  const stream = METHODS[method as keyof typeof METHODS]
  const raw = await readJsonValue(c)
  let canonical: unknown
  try {
    canonical = fromGeminiRequest(raw, model, stream)
  } catch (cause) {
    if (cause instanceof TranslationError)
      throw new GatewayError('invalid_request', cause.message, { cause })
    throw cause
  }
  return runChat(c, geminiSurface, validate(ChatCompletionRequest, canonical))
})
