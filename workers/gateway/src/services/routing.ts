import {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUTS,
  GatewayProviders,
  type ModelRoute,
  type ProviderConfig,
  type RetryPolicy,
  type RouteTarget,
  type Timeouts,
} from '@trueport/contracts'
import { GatewayError } from '../errors'
import { adapterFor } from '../providers/registry'
import type { ProviderAdapter, Target } from '../providers/types'
import { weightedOrder } from './retry-plan'

/** Where one request goes: the adapter to speak with and the target to send to. */
export interface ResolvedRoute {
  adapter: ProviderAdapter
  target: Target
}

/** How one request is routed: the targets in the order tried, and its retry and time limits. */
export interface RoutePlan {
  /** The model's own target(s) (a pool in weighted random order), then its fallbacks. */
  chain: ResolvedRoute[]
  /** How many of `chain`'s first entries are the model's own; the rest are fallbacks. */
  own: number
  retry: RetryPolicy
  timeouts: Timeouts
}

/** Reads a secret named by configuration (its name is validated as UPPER_SNAKE by the schema). */
export type SecretLookup = (name: string) => string | undefined

/**
 * The parsed PROVIDERS configuration: exact model names, then `prefix*` patterns (longest
 * prefix first). Built once per distinct configuration string and reused by every request.
 */
export class RoutingTable {
  readonly #exact = new Map<string, ModelRoute>()
  readonly #prefixes: (ModelRoute & { prefix: string })[] = []

  private constructor(private readonly config: GatewayProviders) {
    for (const [name, route] of Object.entries(config.models)) {
      for (const t of [...(route.pool ?? [route]), ...(route.fallbacks ?? [])]) {
        if (t.upstream === undefined || !(t.upstream in config.upstreams))
          throw new Error(`PROVIDERS: model "${name}" routes to unknown upstream "${t.upstream}"`)
      }
      if (name.endsWith('*')) this.#prefixes.push({ prefix: name.slice(0, -1), ...route })
      else this.#exact.set(name, route)
    }
    this.#prefixes.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  static parse(raw: string): RoutingTable {
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (cause) {
      throw new Error('PROVIDERS is not valid JSON', { cause })
    }
    return new RoutingTable(GatewayProviders.parse(json))
  }

  #route(model: string): ModelRoute {
    const route = this.#exact.get(model) ?? this.#prefixes.find((p) => model.startsWith(p.prefix))
    if (!route)
      throw new GatewayError(
        'model_not_found',
        `model "${model}" does not exist or is not routed`,
        { param: 'model' }
      )
    return route
  }

  /**
   * The plan for a client's model name, or 404 model_not_found. `base` holds the deployment's
   * own time limits (from its vars), which the configuration's defaults and then the model's
   * route override.
   */
  plan(model: string, secret: SecretLookup, base: Partial<Timeouts> = {}): RoutePlan {
    const route = this.#route(model)
    const own: RouteTarget[] = route.pool ? weightedOrder(route.pool) : [route as RouteTarget]
    const toTarget = (t: RouteTarget) => this.target(t.upstream, t.model ?? model, secret)
    const d = this.config.defaults
    return {
      chain: [...own, ...(route.fallbacks ?? [])].map(toTarget),
      own: own.length,
      retry: { ...DEFAULT_RETRY, ...d?.retry, ...route.retry },
      timeouts: { ...DEFAULT_TIMEOUTS, ...base, ...d?.timeouts, ...route.timeouts },
    }
  }

  /** The plan for `model`, or undefined when it is not routed (policy fallbacks). */
  tryPlan(
    model: string,
    secret: SecretLookup,
    base: Partial<Timeouts> = {}
  ): RoutePlan | undefined {
    try {
      return this.plan(model, secret, base)
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'model_not_found') return undefined
      throw err
    }
  }

  /** A route straight to a named upstream (passthrough), or undefined when it is not configured. */
  upstream(name: string, secret: SecretLookup): ResolvedRoute | undefined {
    return name in this.config.upstreams ? this.target(name, '', secret) : undefined
  }

  /** The model names clients may ask for (patterns are not listed), with their first upstream. */
  models(): { id: string; upstream: string }[] {
    return [...this.#exact.entries()].map(([id, r]) => ({
      id,
      upstream: r.upstream ?? r.pool?.[0]?.upstream ?? '',
    }))
  }

  private target(upstream: string, model: string, secret: SecretLookup): ResolvedRoute {
    const config = this.config.upstreams[upstream] as ProviderConfig
    return {
      adapter: adapterFor(config.provider),
      target: {
        upstream,
        config,
        model,
        apiKey: config.apiKeySecret ? secret(config.apiKeySecret) : undefined,
      },
    }
  }
}

let cache: { raw: string; table: RoutingTable } | undefined

/** The routing table for this isolate's configuration; a broken configuration is a 500 with its reason logged. */
export function routingTable(raw: string): RoutingTable {
  if (cache?.raw === raw) return cache.table
  try {
    const table = RoutingTable.parse(raw)
    cache = { raw, table }
    return table
  } catch (cause) {
    throw new GatewayError('internal_error', 'gateway routing is misconfigured', {
      cause,
      detail: String(cause),
    })
  }
}
