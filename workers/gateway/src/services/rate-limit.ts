import type { RateLimits } from '@trueport/contracts'
import type { AdmitResult, LimitReport, WindowLimits } from '@trueport/durable-objects'

/** Completion tokens reserved when a request states no maximum. */
export const DEFAULT_COMPLETION_ESTIMATE = 1024

const MAX_TOKENS = /"(?:max_completion_tokens|max_tokens|maxOutputTokens)"\s*:\s*(\d+)/

/**
 * The worst case a request can spend, for the tokens-per-minute reservation: its prompt (about
 * four bytes a token; JSON syntax makes this an overestimate) plus the completion maximum it
 * states in any dialect, or a default. A regex, not a parse: this runs before the route's own
 * parse, on every surface including passthrough.
 */
export function estimateTokens(body: string): number {
  const max = MAX_TOKENS.exec(body)?.[1]
  return Math.ceil(body.length / 4) + (max ? Number(max) : DEFAULT_COMPLETION_ESTIMATE)
}

export const hasLimit = (l: RateLimits) => l.requestsPerMinute > 0 || l.tokensPerMinute > 0

export const minuteWindow = (l: RateLimits): WindowLimits => ({
  requests: l.requestsPerMinute,
  tokens: l.tokensPerMinute,
  windowMs: 60_000,
})

/** Durations the way OpenAI's x-ratelimit-reset-* headers write them: `250ms`, `1.5s`, `6m0s`. */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`
  const s = ms / 1000
  if (s < 60) return `${Number(s.toFixed(3))}s`
  const m = Math.floor(s / 60)
  return `${m}m${Math.round(s - m * 60)}s`
}

/** OpenAI's rate-limit headers for one window's report (only the limits that are set). */
export function limitHeaders(r: { requests: LimitReport; tokens: LimitReport }) {
  const h: Record<string, string> = {}
  if (r.requests.limit > 0) {
    h['x-ratelimit-limit-requests'] = String(r.requests.limit)
    h['x-ratelimit-remaining-requests'] = String(r.requests.remaining)
    h['x-ratelimit-reset-requests'] = formatReset(r.requests.resetMs)
  }
  if (r.tokens.limit > 0) {
    h['x-ratelimit-limit-tokens'] = String(r.tokens.limit)
    h['x-ratelimit-remaining-tokens'] = String(r.tokens.remaining)
    h['x-ratelimit-reset-tokens'] = formatReset(r.tokens.resetMs)
  }
  return h
}

/** Which result the client hears about: the first refusal, else the most specific window. */
export function decisive(results: AdmitResult[]): AdmitResult | undefined {
  return results.find((r) => !r.allowed) ?? results[0]
}
