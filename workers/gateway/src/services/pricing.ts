import type { Usage } from '@trueport/contracts'

/**
 * Published list prices, in USD per million tokens, so that tokens x rate is micro-USD exactly.
 * Bump the version whenever a rate changes: every cost carries the version it was computed
 * with, so old audit records stay explainable.
 */
export const PRICE_TABLE_VERSION = '2026-12-01'

export interface Price {
  input: number
  output: number
  /** Rate for prompt tokens served from the provider's cache; defaults to `input`. */
  cachedInput?: number
}

/** Exact model names, then `prefix*` entries (longest prefix wins). */
export const PRICES: Record<string, Price> = {
  'gpt-4o': { input: 2.5, output: 10, cachedInput: 1.25 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cachedInput: 0.075 },
  'gpt-4.1': { input: 2, output: 8, cachedInput: 0.5 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cachedInput: 0.1 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'o3-mini': { input: 1.1, output: 4.4, cachedInput: 0.55 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'claude-3-5-haiku*': { input: 0.8, output: 4, cachedInput: 0.08 },
  'claude-3-7-sonnet*': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-sonnet-4*': { input: 3, output: 15, cachedInput: 0.3 },
  'claude-opus-4*': { input: 15, output: 75, cachedInput: 1.5 },
  'gemini-2.0-flash*': { input: 0.1, output: 0.4, cachedInput: 0.025 },
  'gemini-2.5-flash*': { input: 0.3, output: 2.5, cachedInput: 0.075 },
  'gemini-2.5-pro*': { input: 1.25, output: 10, cachedInput: 0.31 },
  // The local mock provider has a price, so cost paths are exercised offline.
  'mock-*': { input: 1, output: 2, cachedInput: 0.5 },
}

/** A computed cost: integer micro-USD and the table version behind it. */
export interface Cost {
  microUsd: number
  priceVersion: string
}

const tableCache = new Map<string, Price | null>()

/** The price of a model, from tenant overrides first, then the table (memoised per model). */
export function priceFor(model: string, overrides?: Record<string, Price>): Price | undefined {
  if (overrides) return lookup(model, overrides) ?? priceFor(model)
  let hit = tableCache.get(model)
  if (hit === undefined) {
    hit = lookup(model, PRICES) ?? null
    // Model names come from clients; bound the memo so it cannot grow without limit.
    if (tableCache.size < 10_000) tableCache.set(model, hit)
  }
  return hit ?? undefined
}

function lookup(model: string, table: Record<string, Price>): Price | undefined {
  const exact = table[model]
  if (exact) return exact
  let best: { len: number; price: Price } | undefined
  for (const [key, price] of Object.entries(table)) {
    const len = key.length - 1
    if (key.endsWith('*') && model.startsWith(key.slice(0, -1)) && len > (best?.len ?? -1)) {
      best = { len, price }
    }
  }
  return best?.price
}

/** Cost of one usage record; undefined when the model has no known price. */
export function costOf(
  model: string,
  usage: Usage,
  overrides?: Record<string, Price>
): Cost | undefined {
  const price = priceFor(model, overrides)
  if (!price) return undefined
  const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, usage.prompt_tokens)
  const micro =
    (usage.prompt_tokens - cached) * price.input +
    cached * (price.cachedInput ?? price.input) +
    usage.completion_tokens * price.output
  return { microUsd: Math.round(micro), priceVersion: PRICE_TABLE_VERSION }
}
