import type { ChatCompletion, ChatCompletionRequest, KeySnapshot, Usage } from '@trueport/contracts'
import type { Context } from 'hono'
import { TranslationError } from '../dialects/common'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { passthroughStream, translateStream } from '../lib/streams'
import { routingTable, type RoutePlan } from './routing'
import { costOf } from './pricing'
import { reserveBudget, worstCase } from './budget'
import { dispatch } from './dispatch'
import { governedModel, guardPrompt, policyFallbacks } from './key-policy'
import type { ClientSurface } from '../surfaces/types'

/** What the gateway learned about one interaction; handed to the audit trail. */
export interface InteractionOutcome {
  provider: string
  upstream: string
  model: string
  attempts: number
  usage?: Usage
  costMicroUsd?: number
  priceVersion?: string
  upstreamMs: number
}

/** Reads a secret binding named by configuration. */
export function secretLookup(env: AppEnv['Bindings']): (name: string) => string | undefined {
  const bag = env as unknown as Record<string, unknown>
  return (name) => (typeof bag[name] === 'string' ? bag[name] : undefined)
}

/**
 * The route plan for a model under the key's policy (aliases, allowed models, extra
 * fallbacks), with the deployment's UPSTREAM_TIMEOUT_MS as its attempt limit.
 */
export function planFor(c: Context<AppEnv>, model: string): RoutePlan {
  const key = c.get('apiKey') as KeySnapshot | undefined
  const served = governedModel(key, model)
  const attemptMs = Number(c.env.UPSTREAM_TIMEOUT_MS) || undefined
  const table = routingTable(c.env.PROVIDERS)
  const base = attemptMs ? { attemptMs } : {}
  const plan = table.plan(served, secretLookup(c.env), base)
  for (const fallback of policyFallbacks(key, served)) {
    // A policy fallback to a model this deployment does not route is skipped, not an error.
    const extra = table.tryPlan(fallback, secretLookup(c.env), base)
    if (extra) plan.chain.push(...extra.chain.slice(0, extra.own))
  }
  return plan
}

function setUsageHeaders(c: Context<AppEnv>, outcome: InteractionOutcome): void {
  if (!outcome.usage) return
  c.header('x-trueport-usage-prompt-tokens', String(outcome.usage.prompt_tokens))
  c.header('x-trueport-usage-completion-tokens', String(outcome.usage.completion_tokens))
  c.header(
    'x-trueport-usage-cached-tokens',
    String(outcome.usage.prompt_tokens_details?.cached_tokens ?? 0)
  )
  if (outcome.costMicroUsd !== undefined) {
    c.header('x-trueport-cost-micro-usd', String(outcome.costMicroUsd))
    c.header('x-trueport-price-version', outcome.priceVersion ?? '')
  }
}

function settle(c: Context<AppEnv>, outcome: InteractionOutcome, usage: Usage): void {
  outcome.usage = usage
  c.get('settleTokens')?.(usage.total_tokens)
  c.get('budget')?.settle(usage)
  const cost = costOf(outcome.model, usage)
  if (cost) {
    outcome.costMicroUsd = cost.microUsd
    outcome.priceVersion = cost.priceVersion
  }
}

/**
 * Runs one chat request for any client surface against whichever provider the model routes
 * to: build the upstream request, send it, then render the answer (or translate the stream)
 * in the client's dialect. Sets the provenance, usage, cost and timing headers.
 */
export async function runChat(
  c: Context<AppEnv>,
  surface: ClientSurface,
  req: ChatCompletionRequest
): Promise<Response> {
  const started = performance.now()
  guardPrompt(c.get('apiKey'), req)
  const plan = planFor(c, req.model)
  // The budget holds the first target's worst case (fallbacks are expected to cost alike).
  const priced = plan.chain[0]?.target.model ?? req.model
  const budget = await reserveBudget(c, priced, worstCase(priced, req))
  let sent: Awaited<ReturnType<typeof dispatch>>
  try {
    sent = await dispatch(c, plan, ({ adapter, target }) => adapter.chat(req, target), {
      streams: req.stream === true,
    })
  } catch (err) {
    budget?.release()
    throw err
  }
  const { adapter, target, res, attempts, streamDone } = sent
  const upstreamMs = performance.now() - started
  if (budget) c.set('budget', budget)
  if (!res.body) throw new GatewayError('upstream_error', 'upstream sent an empty response')

  const outcome: InteractionOutcome = {
    provider: adapter.id,
    upstream: target.upstream,
    model: target.model,
    attempts,
    upstreamMs,
  }
  c.set('outcome', outcome)
  c.header('x-trueport-provider', adapter.id)
  c.header('x-trueport-model', target.model)
  c.header('x-trueport-attempts', String(attempts))

  const sameDialect = surface.dialect === adapter.dialect && adapter.dialect === 'openai'
  if (!req.stream) {
    let completion: ChatCompletion
    let raw: string | undefined
    try {
      if (sameDialect) {
        // Same dialect both ways: parse for usage, but send the provider's bytes unchanged.
        raw = await res.text()
        completion = adapter.parseChat(JSON.parse(raw), target)
      } else {
        completion = adapter.parseChat(await res.json(), target)
      }
    } catch (cause) {
      c.get('budget')?.settleWorst()
      const message =
        cause instanceof TranslationError ? cause.message : 'upstream sent an unreadable response'
      throw new GatewayError('upstream_error', message, { cause })
    }
    if (!Array.isArray(completion.choices))
      throw new GatewayError('upstream_error', 'upstream response has no choices')
    if (completion.usage) settle(c, outcome, completion.usage)
    // An answer without usage is booked at its worst case: the provider billed something.
    else c.get('budget')?.settleWorst()
    setUsageHeaders(c, outcome)
    c.header('server-timing', serverTiming(started, upstreamMs))
    if (raw !== undefined) {
      c.header('content-type', 'application/json')
      return c.body(raw, 200)
    }
    return c.json(surface.render(completion))
  }

  const requestId = c.get('requestId')
  const hooks = {
    idleMs: plan.timeouts.streamIdleMs,
    onEnd: streamDone,
    onUsage: (usage: Usage) => settle(c, outcome, usage),
    errorFrame: (message: string) => {
      // Cut before its usage arrived: the provider may have billed it all.
      if (!outcome.usage) c.get('budget')?.settleWorst()
      return surface.errorFrame(message, requestId)
    },
  }
  const body = res.body as ReadableStream<Uint8Array>
  const stream = sameDialect
    ? passthroughStream(body, adapter.streamDecoder(target), hooks)
    : translateStream(
        body,
        adapter.streamDecoder(target),
        surface.encoder(requestId, req.model),
        hooks
      )
  c.header('content-type', 'text/event-stream; charset=utf-8')
  c.header('cache-control', 'no-cache')
  c.header('server-timing', serverTiming(started, upstreamMs))
  return c.body(stream, 200)
}

/** `upstream` is the wait for the provider's headers; `gateway` the rest of the time spent here. */
export function serverTiming(started: number, upstreamMs: number): string {
  const total = performance.now() - started
  return `upstream;dur=${upstreamMs.toFixed(2)}, gateway;dur=${Math.max(0, total - upstreamMs).toFixed(2)}`
}
