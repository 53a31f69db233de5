import { contentText, streamChunks } from '../text'
import { halves, isRecord, sseFrame, type Dialect } from './types'

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
}

/** The Anthropic Messages wire format (`/v1/messages`). */
export const anthropic: Dialect = {
  name: 'anthropic',

  readRequest(body) {
    if (!isRecord(body)) return { error: 'body must be a JSON object' }
    if (typeof body.model !== 'string') return { error: 'model: Field required' }
    if (typeof body.max_tokens !== 'number') return { error: 'max_tokens: Field required' }
    if (!Array.isArray(body.messages)) return { error: 'messages: Field required' }
    const lastUser = [...(body.messages as unknown[])]
      .reverse()
      .find((m): m is Record<string, unknown> => isRecord(m) && m.role === 'user')
    const last = (body.messages as unknown[]).at(-1)
    const toolResults =
      isRecord(last) && last.role === 'user' && Array.isArray(last.content)
        ? last.content
            .filter((b) => isRecord(b) && b.type === 'tool_result')
            .map((b) => contentText((b as Record<string, unknown>).content))
        : []
    const tools = (Array.isArray(body.tools) ? body.tools : [])
      .filter(isRecord)
      .filter((t) => typeof t.name === 'string')
      .map((t) => ({ name: String(t.name), parameters: t.input_schema }))
    return {
      model: body.model,
      lastUserText: contentText(lastUser?.content),
      stream: body.stream === true,
      includeUsage: true,
      tools,
      toolResults,
    }
  },

  completion(reply) {
    return {
      id: reply.id,
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content: reply.toolCalls.length
        ? reply.toolCalls.map((c) => ({
            type: 'tool_use',
            id: c.id,
            name: c.name,
            input: JSON.parse(c.arguments) as unknown,
          }))
        : [{ type: 'text', text: reply.text }],
      stop_reason: reply.toolCalls.length ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: reply.promptTokens,
        output_tokens: reply.completionTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    }
  },

  streamFrames(reply) {
    const frames = [
      sseFrame(
        {
          type: 'message_start',
          message: {
            id: reply.id,
            type: 'message',
            role: 'assistant',
            model: reply.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: reply.promptTokens, output_tokens: 1 },
          },
        },
        'message_start'
      ),
      sseFrame({ type: 'ping' }, 'ping'),
    ]
    reply.toolCalls.forEach((call, index) => {
      frames.push(
        sseFrame(
          {
            type: 'content_block_start',
            index,
            content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
          },
          'content_block_start'
        )
      )
      for (const partial_json of halves(call.arguments)) {
        frames.push(
          sseFrame(
            {
              type: 'content_block_delta',
              index,
              delta: { type: 'input_json_delta', partial_json },
            },
            'content_block_delta'
          )
        )
      }
      frames.push(sseFrame({ type: 'content_block_stop', index }, 'content_block_stop'))
    })
    if (reply.toolCalls.length === 0) {
      frames.push(
        sseFrame(
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          'content_block_start'
        )
      )
    }
    for (const text of streamChunks(reply.text)) {
      frames.push(
        sseFrame(
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
          'content_block_delta'
        )
      )
    }
    if (reply.toolCalls.length === 0) {
      frames.push(sseFrame({ type: 'content_block_stop', index: 0 }, 'content_block_stop'))
    }
    frames.push(
      sseFrame(
        {
          type: 'message_delta',
          delta: {
            stop_reason: reply.toolCalls.length ? 'tool_use' : 'end_turn',
            stop_sequence: null,
          },
          usage: { output_tokens: reply.completionTokens },
        },
        'message_delta'
      ),
      sseFrame({ type: 'message_stop' }, 'message_stop')
    )
    return frames
  },

  error(status, message) {
    return {
      type: 'error',
      error: {
        type: ERROR_TYPE[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'),
        message,
      },
    }
  },
}
