import type { RetryPolicy } from '@trueport/contracts'

/**
 * The arithmetic of trying again, pure (randomness and the clock are passed in): the order a
 * weighted pool is tried in, how long to wait before a retry, and what a provider's
 * Retry-After asks for.
 */

/**
 * A weighted random order of the pool's members (weighted sampling without replacement,
 * Efraimidis–Spirakis: each member draws u^(1/w) and the largest goes first), so the first
 * member is chosen in proportion to its weight and the rest follow as failover in the same
 * spirit. Members with weight 0 are drained: never chosen.
 */
export function weightedOrder<T extends { weight: number }>(
  pool: readonly T[],
  random: () => number = Math.random
): T[] {
  const live = pool.filter((t) => t.weight > 0)
  if (live.length <= 1) return live
  return live
    .map((t) => ({ t, key: Math.pow(random(), 1 / t.weight) }))
    .sort((a, b) => b.key - a.key)
    .map((x) => x.t)
}

/** The wait before retry `k` (0-based): uniform in [0, min(max, base * 2^k)]. */
export function backoffMs(
  k: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** k)
  return Math.floor(random() * cap)
}

/**
 * What the provider asked us to wait, in ms: `retry-after-ms` (OpenAI's), else `retry-after` in
 * seconds or as an HTTP date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN)
  if (Number.isFinite(ms) && ms >= 0) return ms
  const raw = headers.get('retry-after')
  if (raw === null || raw.trim() === '') return undefined
  const seconds = Number(raw)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Upstream statuses worth sending again to the same target. */
export const retryableStatus = (status: number) =>
  status === 408 || status === 429 || (status >= 500 && status !== 501)

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; why: string }

/**
 * Whether retry `k` (0-based) of a target should happen, and after how long: within the
 * policy's attempts, never sooner than the provider's Retry-After, never one it asks for beyond
 * `maxRetryAfterMs`, and only if the wait still leaves time before the deadline.
 */
export function decideRetry(
  k: number,
  policy: RetryPolicy,
  retryAfter: number | undefined,
  remainingMs: number,
  random: () => number = Math.random
): RetryDecision {
  if (k >= policy.attempts) return { retry: false, why: 'retries exhausted' }
  if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs)
    return { retry: false, why: 'retry-after too long' }
  const delayMs = Math.max(backoffMs(k, policy, random), retryAfter ?? 0)
  if (delayMs >= remainingMs) return { retry: false, why: 'no time left' }
  return { retry: true, delayMs }
}
