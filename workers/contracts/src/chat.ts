import { z } from 'zod'

/**
 * One chat message in the OpenAI dialect. Content may be a string or an array of typed parts
 * (text, images); the parts are validated loosely here and strictly by the adapter that needs them.
 */
export const ChatMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]).optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

/**
 * POST /v1/chat/completions in the OpenAI dialect. Unknown fields are kept (loose) so that
 * provider-specific options pass through; the ones the gateway acts on are typed.
 */
export const ChatCompletionRequest = z.looseObject({
  model: z.string().min(1).max(256),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  seed: z.number().int().nullish(),
  user: z.string().optional(),
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>

/** Token usage as the OpenAI dialect reports it. */
export const Usage = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
})
export type Usage = z.infer<typeof Usage>

/** One entry of GET /v1/models. */
export const ModelEntry = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
})
export type ModelEntry = z.infer<typeof ModelEntry>
