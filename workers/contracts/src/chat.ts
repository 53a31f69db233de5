import { z } from 'zod'

/** A function tool call as the OpenAI dialect carries it (arguments are a JSON string). */
export const ToolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
})
export type ToolCall = z.infer<typeof ToolCall>

/** A content part: text, or an image by URL / data URL. Other part types pass through. */
export const ContentPart = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.looseObject({ url: z.string(), detail: z.string().optional() }).optional(),
})
export type ContentPart = z.infer<typeof ContentPart>

/**
 * One chat message in the OpenAI dialect. Content may be a string or an array of typed parts
 * (text, images); assistant messages may carry tool calls and tool messages answer them.
 */
export const ChatMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(ToolCall).optional(),
  tool_call_id: z.string().optional(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

/** A function tool offered to the model; `parameters` is a JSON Schema. */
export const ToolDefinition = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1).max(64),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
})
export type ToolDefinition = z.infer<typeof ToolDefinition>

export const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
])
export type ToolChoice = z.infer<typeof ToolChoice>

export const ResponseFormat = z.union([
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({
      name: z.string(),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullish(),
    }),
  }),
])
export type ResponseFormat = z.infer<typeof ResponseFormat>

/**
 * POST /v1/chat/completions in the OpenAI dialect: the gateway's canonical request. Other
 * dialects are translated into it. Unknown fields are kept (loose) so provider-specific options
 * pass through; the ones the gateway acts on are typed.
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
  tools: z.array(ToolDefinition).optional(),
  tool_choice: ToolChoice.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: ResponseFormat.optional(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  user: z.string().optional(),
})
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>

/** Token usage in the OpenAI dialect, with the cached and reasoning details. */
export interface Usage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens?: number }
  completion_tokens_details?: { reasoning_tokens?: number }
}

/** One token's log probability, with the most likely alternatives (OpenAI's shape). */
export interface TokenLogprob {
  token: string
  logprob: number
  bytes: number[] | null
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[]
}

/** A choice's log probabilities: one entry per generated token. */
export interface ChoiceLogprobs {
  content: TokenLogprob[] | null
  refusal?: TokenLogprob[] | null
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call'

/** A non-streamed chat completion in the canonical (OpenAI) shape. */
export interface ChatCompletion {
  id: string
  object: 'chat.completion'
  created: number
  model: string
  choices: {
    index: number
    message: {
      role: 'assistant'
      content: string | null
      tool_calls?: ToolCall[]
      refusal?: string | null
    }
    finish_reason: FinishReason | null
    logprobs?: ChoiceLogprobs | null
  }[]
  usage?: Usage
  system_fingerprint?: string | null
}

/** One streamed delta for a tool call: `index` ties the pieces of one call together. */
export interface ToolCallDelta {
  index: number
  id?: string
  type?: 'function'
  function?: { name?: string; arguments?: string }
}

/** A streamed chunk in the canonical (OpenAI) shape. */
export interface ChatCompletionChunk {
  id: string
  object: 'chat.completion.chunk'
  created: number
  model: string
  choices: {
    index: number
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: ToolCallDelta[] }
    finish_reason: FinishReason | null
    logprobs?: ChoiceLogprobs | null
  }[]
  usage?: Usage | null
}

/** POST /v1/embeddings. */
export const EmbeddingsRequest = z.looseObject({
  model: z.string().min(1).max(256),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.number().int()),
    z.array(z.array(z.number().int())),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
})
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>

/** One entry of GET /v1/models. */
export const ModelEntry = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
})
export type ModelEntry = z.infer<typeof ModelEntry>
