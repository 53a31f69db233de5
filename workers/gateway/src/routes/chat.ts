import { ChatCompletionRequest } from '@trueport/contracts'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { readJson } from '../lib/json-body'
import { runChat } from '../services/chat'
import { openaiSurface } from '../surfaces/openai'

/** POST /v1/chat/completions: the OpenAI surface, answered by whichever provider the model routes to. */
export const chatRoutes = new Hono<AppEnv>().post('/chat/completions', async (c) => {
  const body = await readJson(c, ChatCompletionRequest)
  return runChat(c, openaiSurface, body)
})
