import { ChatCompletionRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import { TranslationError } from '../dialects/common'
import { fromAnthropicRequest } from '../dialects/anthropic/request'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { readJsonValue, validate } from '../lib/json-body'
import { runChat } from '../services/chat'
import { anthropicSurface } from '../surfaces/anthropic'

/** POST /v1/messages: the Anthropic surface, answered by any provider. */
export const messagesRoutes = new Hono<AppEnv>().post('/messages', async (c) => {
  const raw = await readJsonValue(c)
  let canonical: unknown
  try {
    canonical = fromAnthropicRequest(raw)
  } catch (cause) {
    if (cause instanceof TranslationError)
      throw new GatewayError('invalid_request', cause.message, { cause })
    throw cause
  }
  return runChat(c, anthropicSurface, validate(ChatCompletionRequest, canonical))
})
