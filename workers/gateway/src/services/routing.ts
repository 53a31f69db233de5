import { GatewayProviders, type ModelRoute, type ProviderConfig } from '@trueport/contracts'
import { GatewayError } from '../errors'
import { adapterFor } from '../providers/registry'
import type { ProviderAdapter, Target } from '../providers/types'

/** Where one request goes: the adapter to speak with and the target to send to. */
export interface ResolvedRoute {
  adapter: ProviderAdapter
  target: Target
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
      for (const t of [route, ...(route.fallbacks ?? [])]) {
        if (!(t.upstream in config.upstreams))
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

  /** The primary route for a client's model name, or 404 model_not_found. */
  resolve(model: string, secret: SecretLookup): ResolvedRoute {
    const route = this.#route(model)
    return this.target(route.upstream, route.model ?? model, secret)
  }

  /** The primary route and then its fallbacks, in the order they are tried. */
  resolveChain(model: string, secret: SecretLookup): ResolvedRoute[] {
    const route = this.#route(model)
    return [route, ...(route.fallbacks ?? [])].map((t) =>
      this.target(t.upstream, t.model ?? model, secret)
    )
  }

  /** A route straight to a named upstream (passthrough), or undefined when it is not configured. */
  upstream(name: string, secret: SecretLookup): ResolvedRoute | undefined {
    return name in this.config.upstreams ? this.target(name, '', secret) : undefined
  }

  /** The model names clients may ask for (patterns are not listed). */
  models(): { id: string; upstream: string }[] {
    return [...this.#exact.entries()].map(([id, r]) => ({ id, upstream: r.upstream }))
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
