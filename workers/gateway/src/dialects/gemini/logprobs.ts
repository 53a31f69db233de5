import type { ChoiceLogprobs, TokenLogprob } from '@trueport/contracts'
import { asArray, isRecord, num, str } from '../common'

const utf8 = new TextEncoder()
const bytesOf = (token: string) => Array.from(utf8.encode(token))

interface GeminiCandidate {
  token: string
  logProbability: number
}

function candidate(raw: unknown): GeminiCandidate | undefined {
  if (!isRecord(raw)) return undefined
  const token = str(raw.token)
  return token === undefined ? undefined : { token, logProbability: num(raw.logProbability) }
}

/**
 * Gemini `logprobsResult` -> OpenAI `logprobs`. Gemini lists the chosen token per step in
 * `chosenCandidates` and the alternatives of the same step, at the same index, in
 * `topCandidates`; OpenAI nests the alternatives under each chosen token.
 */
export function logprobsFromGemini(result: unknown): ChoiceLogprobs | undefined {
  if (!isRecord(result)) return undefined
  const top = asArray(result.topCandidates)
  const content: TokenLogprob[] = []
  asArray(result.chosenCandidates).forEach((raw, i) => {
    const chosen = candidate(raw)
    if (!chosen) return
    const step = top[i]
    const alternatives = isRecord(step) ? asArray(step.candidates) : []
    content.push({
      token: chosen.token,
      logprob: chosen.logProbability,
      bytes: bytesOf(chosen.token),
      top_logprobs: alternatives
        .map(candidate)
        .filter((c): c is GeminiCandidate => c !== undefined)
        .map((c) => ({ token: c.token, logprob: c.logProbability, bytes: bytesOf(c.token) })),
    })
  })
  return { content, refusal: null }
}

/** OpenAI `logprobs` -> the Gemini candidate fields `logprobsResult` and `avgLogprobs`. */
export function logprobsToGemini(lp: ChoiceLogprobs | null | undefined) {
  const tokens = lp?.content
  if (!tokens?.length) return {}
  const sum = tokens.reduce((s, t) => s + t.logprob, 0)
  return {
    logprobsResult: {
      topCandidates: tokens.map((t) => ({
        candidates: t.top_logprobs.map((c) => ({ token: c.token, logProbability: c.logprob })),
      })),
      chosenCandidates: tokens.map((t) => ({ token: t.token, logProbability: t.logprob })),
      logProbabilitySum: sum,
    },
    avgLogprobs: sum / tokens.length,
  }
}
