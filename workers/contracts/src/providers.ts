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

/** A member of a load-balanced pool: it takes `weight` shares of the traffic (0 drains it). */
export const WeightedTarget = RouteTarget.extend({
  weight: z.number().min(0).max(10_000).default(1),
})
export type WeightedTarget = z.infer<typeof WeightedTarget>

/**
 * Retries on the same target before moving on, for failures worth repeating (429, 5xx other
 * than 501, timeouts, connection failures). The wait before retry k (0-based) is drawn
 * uniformly from [0, min(maxDelayMs, baseDelayMs * 2^k)] ("full jitter"), and is never shorter
 * than the provider's Retry-After; a Retry-After longer than `maxRetryAfterMs` moves on to the
 * next target instead of waiting.
 */
export const RetryPolicy = z.object({
  attempts: z.number().int().min(0).max(5),
  baseDelayMs: z.number().int().min(0).max(60_000),
  maxDelayMs: z.number().int().min(0).max(300_000),
  maxRetryAfterMs: z.number().int().min(0).max(300_000),
})
export type RetryPolicy = z.infer<typeof RetryPolicy>

/**
 * Time limits of one request. `attemptMs` bounds one try until the answer (a stream: its
 * headers); `totalMs` bounds every try, wait and fallback together; once a stream has started,
 * `streamIdleMs` is the longest silence tolerated between its chunks.
 */
export const Timeouts = z.object({
  attemptMs: z.number().int().min(100).max(600_000),
  totalMs: z.number().int().min(100).max(1_800_000),
  streamIdleMs: z.number().int().min(100).max(600_000),
})
export type Timeouts = z.infer<typeof Timeouts>

/**
 * Where a model name goes: one target (the `model` makes the client's name an alias) or a
 * weighted `pool` balanced across upstreams, then, in order, the `fallbacks` tried when those
 * fail before answering (5xx, 429, timeout, connection failure, open breaker). Fallbacks may be
 * other providers: the request is translated for each. `retry` and `timeouts` override the
 * configuration's defaults for this model.
 */
export const ModelRoute = z
  .object({
    upstream: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    pool: z.array(WeightedTarget).min(1).max(16).optional(),
    fallbacks: z.array(RouteTarget).max(8).optional(),
    retry: RetryPolicy.partial().optional(),
    timeouts: Timeouts.partial().optional(),
  })
  .refine((r) => (r.upstream === undefined) !== (r.pool === undefined), {
    message: 'a model route has either `upstream` or `pool`, not both',
  })
  .refine((r) => !r.pool || r.pool.some((t) => t.weight > 0), {
    message: 'a pool needs at least one member with a weight above 0',
    path: ['pool'],
  })
export type ModelRoute = z.infer<typeof ModelRoute>

/** No retries unless configured: a fallback chain is usually the better second chance. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 0,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 10_000,
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  attemptMs: 60_000,
  totalMs: 120_000,
  streamIdleMs: 60_000,
}

/**
 * The gateway's routing configuration (the PROVIDERS var): named upstreams, the models they
 * serve, and the retry and timeout defaults of every model. A model key ending in `*` matches
 * by prefix; exact names win over prefixes.
 */
export const GatewayProviders = z.object({
  upstreams: z.record(z.string(), ProviderConfig),
  models: z.record(z.string(), ModelRoute),
  defaults: z
    .object({ retry: RetryPolicy.partial().optional(), timeouts: Timeouts.partial().optional() })
    .optional(),
})
export type GatewayProviders = z.infer<typeof GatewayProviders>
