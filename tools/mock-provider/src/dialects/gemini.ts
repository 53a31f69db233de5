import { contentText, streamChunks, tokenLogprobs, type MockLogprob } from '../text'
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

/** Gemini's candidate fields for log probabilities: chosen tokens and, per step, the top ones. */
function logprobFields(tokens: MockLogprob[] | undefined) {
  if (!tokens) return {}
  const sum = tokens.reduce((s, t) => s + t.logprob, 0)
  return {
    logprobsResult: {
      topCandidates: tokens.map((t) => ({
        candidates: t.top.map((a) => ({ token: a.token, logProbability: a.logprob })),
      })),
      chosenCandidates: tokens.map((t) => ({ token: t.token, logProbability: t.logprob })),
      logProbabilitySum: sum,
    },
    avgLogprobs: tokens.length ? sum / tokens.length : 0,
  }
}

function parts(reply: MockReply): unknown[] {
  if (reply.toolCalls.length === 0) return [{ text: reply.text }]
  return reply.toolCalls.map((c) => ({
    functionCall: { id: c.id, name: c.name, args: JSON.parse(c.arguments) as unknown },
  }))
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
    const last = (body.contents as unknown[]).at(-1)
    const toolResults =
      isRecord(last) && Array.isArray(last.parts)
        ? last.parts
            .filter((p) => isRecord(p) && isRecord(p.functionResponse))
            .map((p) =>
              JSON.stringify(
                (p as { functionResponse: { response?: unknown } }).functionResponse.response ?? {}
              )
            )
        : []
    const tools = (Array.isArray(body.tools) ? body.tools : [])
      .filter(isRecord)
      .flatMap((t): unknown[] =>
        Array.isArray(t.functionDeclarations) ? t.functionDeclarations : []
      )
      .filter(isRecord)
      .filter((d) => typeof d.name === 'string')
      .map((d) => ({ name: String(d.name), parameters: d.parametersJsonSchema ?? d.parameters }))
    const gen = isRecord(body.generationConfig) ? body.generationConfig : {}
    return {
      model: decodeURIComponent(match[1]),
      lastUserText: contentText(lastUser?.parts),
      stream: match[2] === 'streamGenerateContent',
      includeUsage: true,
      tools,
      toolResults,
      ...(gen.responseLogprobs === true
        ? { logprobs: typeof gen.logprobs === 'number' ? gen.logprobs : 0 }
        : {}),
    }
  },

  completion(reply, request) {
    const logprobs =
      request.logprobs === undefined ? undefined : tokenLogprobs(reply.text, request.logprobs)
    return {
      candidates: [
        {
          content: { role: 'model', parts: parts(reply) },
          finishReason: 'STOP',
          index: 0,
          ...logprobFields(logprobs),
        },
      ],
      usageMetadata: usageMetadata(reply, reply.completionTokens),
      modelVersion: reply.model,
      responseId: reply.id,
    }
  },

  streamFrames(reply, request) {
    if (reply.toolCalls.length) {
      // Gemini streams whole function calls, never partial arguments.
      return [
        sseFrame({
          candidates: [
            { content: { role: 'model', parts: parts(reply) }, finishReason: 'STOP', index: 0 },
          ],
          usageMetadata: usageMetadata(reply, reply.completionTokens),
          modelVersion: reply.model,
          responseId: reply.id,
        }),
      ]
    }
    const pieces = streamChunks(reply.text)
    const logprobs =
      request.logprobs === undefined ? undefined : tokenLogprobs(reply.text, request.logprobs)
    // Gemini repeats usageMetadata on every chunk; the last one holds the final counts.
    return pieces.map((text, i) => {
      const last = i === pieces.length - 1
      return sseFrame({
        candidates: [
          {
            content: { role: 'model', parts: [{ text }] },
            index: 0,
            ...(last ? { finishReason: 'STOP' } : {}),
            ...logprobFields(logprobs?.slice(i, i + 1)),
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
