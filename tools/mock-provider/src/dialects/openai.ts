import { contentText, streamChunks, tokenLogprobs, type MockLogprob } from '../text'
import { halves, isRecord, sseFrame, type Dialect, type MockReply, type MockRequest } from './types'

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_exceeded',
}

const utf8 = new TextEncoder()

/** OpenAI's per-token entry: the token, its bytes, and the alternatives. */
const logprobEntry = (t: MockLogprob) => ({
  token: t.token,
  logprob: t.logprob,
  bytes: Array.from(utf8.encode(t.token)),
  top_logprobs: t.top.map((a) => ({
    token: a.token,
    logprob: a.logprob,
    bytes: Array.from(utf8.encode(a.token)),
  })),
})

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
    const messages = body.messages as unknown[]
    const toolResults: string[] = []
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i]
      if (!isRecord(m) || m.role !== 'tool') break
      toolResults.unshift(contentText(m.content))
    }
    const tools = (Array.isArray(body.tools) ? body.tools : [])
      .filter(isRecord)
      .map((t) => (isRecord(t.function) ? t.function : {}))
      .filter((f) => typeof f.name === 'string')
      .map((f) => ({ name: String(f.name), parameters: f.parameters }))
    return {
      model: body.model,
      lastUserText: contentText(lastUser?.content),
      stream: body.stream === true,
      includeUsage: isRecord(opts) && opts.include_usage === true,
      tools,
      toolResults,
      ...(body.logprobs === true
        ? { logprobs: typeof body.top_logprobs === 'number' ? body.top_logprobs : 0 }
        : {}),
    }
  },

  completion(reply, request) {
    const logprobs =
      request.logprobs === undefined
        ? null
        : { content: tokenLogprobs(reply.text, request.logprobs).map(logprobEntry), refusal: null }
    return {
      id: reply.id,
      object: 'chat.completion',
      created: reply.created,
      model: reply.model,
      system_fingerprint: 'fp_trueport_mock',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.toolCalls.length ? null : reply.text,
            refusal: null,
            ...(reply.toolCalls.length
              ? {
                  tool_calls: reply.toolCalls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }
              : {}),
          },
          logprobs,
          finish_reason: reply.toolCalls.length ? 'tool_calls' : 'stop',
        },
      ],
      usage: usage(reply),
    }
  },

  streamFrames(reply: MockReply, request: MockRequest) {
    const chunk = (delta: object, finish: string | null, logprobs: object | null = null) => ({
      id: reply.id,
      object: 'chat.completion.chunk',
      created: reply.created,
      model: reply.model,
      system_fingerprint: 'fp_trueport_mock',
      choices: [{ index: 0, delta, logprobs, finish_reason: finish }],
    })
    const frames = [sseFrame(chunk({ role: 'assistant', content: '' }, null))]
    const logprobs =
      request.logprobs === undefined ? undefined : tokenLogprobs(reply.text, request.logprobs)
    streamChunks(reply.text).forEach((piece, i) => {
      const lp = logprobs?.[i]
      frames.push(
        sseFrame(
          chunk(
            { content: piece },
            null,
            lp ? { content: [logprobEntry(lp)], refusal: null } : null
          )
        )
      )
    })
    reply.toolCalls.forEach((call, index) => {
      const start = {
        index,
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: '' },
      }
      frames.push(sseFrame(chunk({ tool_calls: [start] }, null)))
      for (const part of halves(call.arguments)) {
        frames.push(
          sseFrame(chunk({ tool_calls: [{ index, function: { arguments: part } }] }, null))
        )
      }
    })
    frames.push(sseFrame(chunk({}, reply.toolCalls.length ? 'tool_calls' : 'stop')))
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
