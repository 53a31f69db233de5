import { contentText, streamChunks } from '../text'
import { isRecord, sseFrame, type Dialect, type MockReply, type MockRequest } from './types'

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_exceeded',
}

function usage(reply: MockReply) {
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    total_tokens: reply.promptTokens + reply.completionTokens,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0 },
  }
}

/** The OpenAI Chat Completions wire format (`/v1/chat/completions`). */
export const openai: Dialect = {
  name: 'openai',

  readRequest(body) {
    if (!isRecord(body)) return { error: 'body must be a JSON object' }
    if (typeof body.model !== 'string') return { error: 'model is required' }
    if (!Array.isArray(body.messages)) return { error: 'messages must be an array' }
    const lastUser = [...(body.messages as unknown[])]
      .reverse()
      .find((m): m is Record<string, unknown> => isRecord(m) && m.role === 'user')
    const opts = body.stream_options
    return {
      model: body.model,
      lastUserText: contentText(lastUser?.content),
      stream: body.stream === true,
      includeUsage: isRecord(opts) && opts.include_usage === true,
    }
  },

  completion(reply) {
    return {
      id: reply.id,
      object: 'chat.completion',
      created: reply.created,
      model: reply.model,
      system_fingerprint: 'fp_trueport_mock',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: reply.text, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: usage(reply),
    }
  },

  streamFrames(reply: MockReply, request: MockRequest) {
    const chunk = (delta: object, finish: string | null) => ({
      id: reply.id,
      object: 'chat.completion.chunk',
      created: reply.created,
      model: reply.model,
      system_fingerprint: 'fp_trueport_mock',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })
    const frames = [sseFrame(chunk({ role: 'assistant', content: '' }, null))]
    for (const piece of streamChunks(reply.text))
      frames.push(sseFrame(chunk({ content: piece }, null)))
    frames.push(sseFrame(chunk({}, 'stop')))
    if (request.includeUsage) {
      frames.push(
        sseFrame({
          id: reply.id,
          object: 'chat.completion.chunk',
          created: reply.created,
          model: reply.model,
          choices: [],
          usage: usage(reply),
        })
      )
    }
    frames.push(sseFrame('[DONE]'))
    return frames
  },

  error(status, message) {
    return {
      error: {
        message,
        type: ERROR_TYPE[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'),
        param: null,
        code: null,
      },
    }
  },
}
