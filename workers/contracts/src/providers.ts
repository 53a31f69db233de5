import { z } from 'zod'

/** Every provider the gateway can dispatch to. The adapter registry must cover all of them. */
export const ProviderId = z.enum([
  'openai',
  'azure-openai',
  'anthropic',
  'gemini',
  'workers-ai',
  'groq',
  'mistral',
  'deepseek',
  'together',
  'fireworks',
  'openrouter',
  'xai',
  'custom',
])
export type ProviderId = z.infer<typeof ProviderId>

/** The wire format a provider (or a client surface) speaks. */
export const Dialect = z.enum(['openai', 'anthropic', 'gemini'])
export type Dialect = z.infer<typeof Dialect>

/**
 * One configured upstream. `apiKeySecret` names the secret binding holding its key, so the
 * configuration itself never contains credentials.
 */
export const ProviderConfig = z.object({
  provider: ProviderId,
  baseUrl: z.url().optional(),
  apiKeySecret: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /** Azure OpenAI: api-version query parameter. */
  apiVersion: z.string().optional(),
  /** Azure OpenAI: model name -> deployment name. */
  deployments: z.record(z.string(), z.string()).optional(),
  /** Workers AI over REST: the Cloudflare account id. */
  accountId: z.string().optional(),
  /** Extra static headers (e.g. OpenRouter's HTTP-Referer). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Circuit-breaker overrides for this upstream (defaults: 5 consecutive failures, 30 s open). */
  breaker: z
    .object({
      failureThreshold: z.number().int().min(1),
      failureRate: z.number().gt(0).max(1),
      minRequests: z.number().int().min(1),
      windowMs: z.number().int().min(1000),
      openMs: z.number().int().min(100),
      probeTimeoutMs: z.number().int().min(100),
      failureStatuses: z.array(z.number().int().min(400).max(599)),
    })
    .partial()
    .optional(),
})
export type ProviderConfig = z.infer<typeof ProviderConfig>

/** A configured upstream and the model name it knows the request by. */
export const RouteTarget = z.object({
  upstream: z.string().min(1),
  model: z.string().min(1).optional(),
})
export type RouteTarget = z.infer<typeof RouteTarget>

/**
 * Where a model name goes: a target (the `model` makes the client's name an alias), then, in
 * order, the fallbacks tried when it fails before answering (5xx, 429, timeout, connection
 * failure, open breaker). Fallbacks may be other providers: the request is translated for each.
 */
export const ModelRoute = RouteTarget.extend({
  fallbacks: z.array(RouteTarget).max(8).optional(),
})
export type ModelRoute = z.infer<typeof ModelRoute>

/**
 * The gateway's routing configuration (the PROVIDERS var): named upstreams and the models they
 * serve. A model key ending in `*` matches by prefix; exact names win over prefixes.
 */
export const GatewayProviders = z.object({
  upstreams: z.record(z.string(), ProviderConfig),
  models: z.record(z.string(), ModelRoute),
})
export type GatewayProviders = z.infer<typeof GatewayProviders>
