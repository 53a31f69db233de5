import type { ChatCompletionRequest, KeySnapshot, Usage } from '@trueport/contracts'
import { budgetStub } from '@trueport/durable-objects'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { costOf, priceFor } from './pricing'
import { DEFAULT_COMPLETION_ESTIMATE } from './rate-limit'

const hasBudget = (k: KeySnapshot) =>
  k.budget.dailyMicroUsd > 0 ||
  k.budget.monthlyMicroUsd > 0 ||
  k.budget.dailyTokens > 0 ||
  k.budget.monthlyTokens > 0

/** The most a chat request can cost: its prompt (bytes / 4) and every choice at its maximum. */
export function worstCase(model: string, req: ChatCompletionRequest) {
  const prompt = Math.ceil(JSON.stringify(req.messages).length / 4)
  const completion =
    (req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE) * (req.n ?? 1)
  const price = priceFor(model)
  // Prices are USD per million tokens, so tokens x rate is micro-USD.
  const microUsd = price ? prompt * price.input + completion * price.output : 0
  return { microUsd: Math.ceil(microUsd), tokens: prompt + completion }
}

export interface BudgetTicket {
  /** Books the actual cost of the answer. */
  settle(usage: Usage): void
  /** Gives the reservation back: the request cost nothing. */
  release(): void
  /** Books the whole reservation: the answer was cut before its usage was known. */
  settleWorst(): void
}

/**
 * Reserves the request's worst case against the key's budget before dispatch (one round trip,
 * only for keys that have a budget). Refuses with 429 `budget_exhausted` when it does not fit.
 * A model without a price can only be held to token quotas.
 */
export async function reserveBudget(
  c: Context<AppEnv>,
  model: string,
  req: ChatCompletionRequest
): Promise<BudgetTicket | undefined> {
  const key = c.get('apiKey')
  if (!hasBudget(key)) return undefined
  const stub = budgetStub(c.env, 'key', key.keyId)
  const id = c.get('requestId')
  const worst = worstCase(model, req)
  const r = await stub.reserve(id, worst, key.budget)
  if (!r.ok) {
    const what = r.exhausted.replace('_', ' ')
    throw new GatewayError('budget_exhausted', `budget exhausted: ${what} limit reached`)
  }
  let done = false
  const once = (f: () => Promise<unknown>) => {
    if (done) return
    done = true
    c.executionCtx.waitUntil(f())
  }
  return {
    settle: (usage) =>
      once(() =>
        stub.settle(
          id,
          { microUsd: costOf(model, usage)?.microUsd ?? 0, tokens: usage.total_tokens },
          key.budget,
          key.budgetWarnings
        )
      ),
    release: () => once(() => stub.release(id)),
    settleWorst: () => once(() => stub.settle(id, worst, key.budget, key.budgetWarnings)),
  }
}
