import { contentText, streamChunks } from '../text'
import { isRecord, sseFrame, type Dialect, type MockReply } from './types'

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
}

/** `/v1beta/models/{model}:generateContent` or `:streamGenerateContent`. */
const MODEL_PATH = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

function usageMetadata(reply: MockReply, completionTokens: number) {
  return {
    promptTokenCount: reply.promptTokens,
    candidatesTokenCount: completionTokens,
    totalTokenCount: reply.promptTokens + completionTokens,
  }
}

/** The Google Gemini `generateContent` wire format. */
export const gemini: Dialect = {
  name: 'gemini',

  readRequest(body, url) {
    const match = MODEL_PATH.exec(url.pathname)
    if (!match?.[1]) return { error: 'model path not recognised' }
    if (!isRecord(body) || !Array.isArray(body.contents)) return { error: 'contents is required' }
    const lastUser = [...(body.contents as unknown[])]
      .reverse()
      .find((c): c is Record<string, unknown> => isRecord(c) && (c.role ?? 'user') === 'user')
    return {
      model: decodeURIComponent(match[1]),
      lastUserText: contentText(lastUser?.parts),
      stream: match[2] === 'streamGenerateContent',
      includeUsage: true,
    }
  },

  completion(reply) {
    return {
      candidates: [
        {
          content: { role: 'model', parts: [{ text: reply.text }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: usageMetadata(reply, reply.completionTokens),
      modelVersion: reply.model,
      responseId: reply.id,
    }
  },

  streamFrames(reply) {
    const pieces = streamChunks(reply.text)
    // Gemini repeats usageMetadata on every chunk; the last one holds the final counts.
    return pieces.map((text, i) => {
      const last = i === pieces.length - 1
      return sseFrame({
        candidates: [
          {
            content: { role: 'model', parts: [{ text }] },
            index: 0,
            ...(last ? { finishReason: 'STOP' } : {}),
          },
        ],
        usageMetadata: usageMetadata(reply, last ? reply.completionTokens : 0),
        modelVersion: reply.model,
        responseId: reply.id,
      })
    })
  },

  error(status, message) {
    return { error: { code: status, message, status: STATUS_NAME[status] ?? 'UNKNOWN' } }
  },
}
