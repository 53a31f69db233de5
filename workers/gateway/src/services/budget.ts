import type { BudgetLimits, ChatCompletionRequest, KeySnapshot, Usage } from '@trueport/contracts'
import { budgetStub, type Amount } from '@trueport/durable-objects'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { Coalescer } from '../lib/coalesce'
import { costOf, priceFor } from './pricing'
import { DEFAULT_COMPLETION_ESTIMATE } from './rate-limit'

const isSet = (b: BudgetLimits) =>
  b.dailyMicroUsd > 0 || b.monthlyMicroUsd > 0 || b.dailyTokens > 0 || b.monthlyTokens > 0

/** Whether the key or its tenant is under a budget. */
export const underBudget = (k: KeySnapshot) => isSet(k.budget) || isSet(k.tenantBudget)

/** Prompt and completion tokens at the model's prices; prices are USD per million tokens. */
function amount(model: string, prompt: number, completion: number): Amount {
  const price = priceFor(model)
  const microUsd = price ? prompt * price.input + completion * price.output : 0
  return { microUsd: Math.ceil(microUsd), tokens: prompt + completion }
}

/** The most a chat request can cost: its prompt (bytes / 4) and every choice at its maximum. */
export function worstCase(model: string, req: ChatCompletionRequest): Amount {
  const prompt = Math.ceil(JSON.stringify(req.messages).length / 4)
  const completion =
    (req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_COMPLETION_ESTIMATE) * (req.n ?? 1)
  return amount(model, prompt, completion)
}

/** The most an embeddings request can cost: its input, at about four bytes a token. */
export function embeddingsWorstCase(model: string, input: unknown): Amount {
  return amount(model, Math.ceil(JSON.stringify(input).length / 4), 0)
}

type Settle = { id: string; actual: Amount; limits: BudgetLimits; fractions: readonly number[] }

/** Settles (and releases) of concurrent requests to one budget go in one call: one commit. */
const settles = new Coalescer<Settle>(5, 200)
const releases = new Coalescer<string>(5, 200)

export interface BudgetTicket {
  /** Books the actual cost of the answer. */
  settle(usage: Usage): void
  /** Gives the reservation back: the request cost nothing. */
  release(): void
  /** Books the whole reservation: the answer was cut before its usage was known. */
  settleWorst(): void
}

/**
 * Reserves the request's worst case against the key's budget and its tenant's, in parallel,
 * before dispatch (one round trip each, only where a budget is set). Refuses with 429
 * `budget_exhausted` when either does not fit, giving back what the other reserved. A model
 * without a price can only be held to token quotas.
 */
export async function reserveBudget(
  c: Context<AppEnv>,
  model: string,
  worst: Amount
): Promise<BudgetTicket | undefined> {
  const key = c.get('apiKey')
  const scopes = (
    [
      ['key', key.keyId, key.budget],
      ['tenant', key.tenantId, key.tenantBudget],
    ] as const
  ).filter(([, , limits]) => isSet(limits))
  if (scopes.length === 0) return undefined
  const id = c.get('requestId')
  const held = scopes.map(([scope, sid, limits]) => ({
    scope,
    sid,
    limits,
    stub: budgetStub(c.env, scope, sid),
  }))
  const results = await Promise.all(held.map((h) => h.stub.reserve(id, worst, h.limits)))
  const refused = results.findIndex((r) => !r.ok)
  if (refused !== -1) {
    results.forEach((r, i) => {
      if (r.ok) c.executionCtx.waitUntil(held[i]?.stub.release(id) ?? Promise.resolve())
    })
    const r = results[refused]
    const what = r && !r.ok ? r.exhausted.replace('_', ' ') : 'budget'
    const whose = held[refused]?.scope === 'tenant' ? "the tenant's" : "this key's"
    throw new GatewayError('budget_exhausted', `budget exhausted: ${whose} ${what} limit reached`)
  }

  let done = false
  const once = (f: (h: (typeof held)[number]) => Promise<unknown> | undefined) => {
    if (done) return
    done = true
    for (const h of held) {
      const p = f(h)
      if (p) c.executionCtx.waitUntil(p)
    }
  }
  const env = c.env
  const book = (a: Amount) =>
    once((h) =>
      settles.add(
        objectKey(h.scope, h.sid),
        { id, actual: a, limits: h.limits, fractions: key.budgetWarnings },
        async (items) => {
          await budgetStub(env, h.scope, h.sid).settleMany(items)
        }
      )
    )
  return {
    settle: (usage) =>
      book({ microUsd: costOf(model, usage)?.microUsd ?? 0, tokens: usage.total_tokens }),
    release: () =>
      once((h) =>
        releases.add(objectKey(h.scope, h.sid), id, async (ids) => {
          await budgetStub(env, h.scope, h.sid).releaseMany(ids)
        })
      ),
    settleWorst: () => book(worst),
  }
}

const objectKey = (scope: string, id: string) => `${scope}:${id}`
