import { z } from 'zod'
import { AuditDestinations, PrivacyMode } from './audit'
import { ApiKeyToken, Endpoint, Environment, TenantSlug } from './ids'

/** Requests and tokens per minute; 0 means no limit. */
export const RateLimits = z.object({
  requestsPerMinute: z.number().int().min(0).max(10_000_000),
  tokensPerMinute: z.number().int().min(0).max(10_000_000_000),
})
export type RateLimits = z.infer<typeof RateLimits>

/** A key's limits unless its policy says otherwise. */
export const DEFAULT_KEY_LIMITS: RateLimits = { requestsPerMinute: 60, tokensPerMinute: 1_000_000 }
/** A tenant has no limit across its keys unless its policy sets one. */
export const NO_LIMITS: RateLimits = { requestsPerMinute: 0, tokensPerMinute: 0 }

/** Spend (micro-USD) and token quotas per UTC day and month; 0 means no limit. */
export const BudgetLimits = z.object({
  dailyMicroUsd: z.number().int().min(0),
  monthlyMicroUsd: z.number().int().min(0),
  dailyTokens: z.number().int().min(0),
  monthlyTokens: z.number().int().min(0),
})
export type BudgetLimits = z.infer<typeof BudgetLimits>

export const NO_BUDGET: BudgetLimits = {
  dailyMicroUsd: 0,
  monthlyMicroUsd: 0,
  dailyTokens: 0,
  monthlyTokens: 0,
}

/** A tenant's own S3-compatible bucket (AWS S3, R2's S3 API, MinIO, ...). */
export const TenantBucketConfig = z.object({
  endpoint: z.url().optional(),
  region: z.string().min(1).default('auto'),
  bucket: z.string().min(3).max(63),
  prefix: z.string().max(256).optional(),
  forcePathStyle: z.boolean().optional(),
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
})
export type TenantBucketConfig = z.infer<typeof TenantBucketConfig>

export const TenantAuditConfig = z.object({
  privacy: PrivacyMode.default('full'),
  destinations: AuditDestinations.default('r2'),
  bucket: TenantBucketConfig.optional(),
  /** Told about each new batch (the analytics service's push endpoint). */
  notifyUrl: z.url().optional(),
})
export type TenantAuditConfig = z.infer<typeof TenantAuditConfig>

/**
 * Body of POST /internal/bootstrap: creates (or finds) a tenant with its owner and, when asked,
 * issues a fresh API key. Used by `npm start` and by tests; guarded by the BOOTSTRAP_TOKEN secret.
 */
export const BootstrapRequest = z.object({
  tenant: z.object({
    slug: TenantSlug,
    name: z.string().min(1).max(120),
    /** Limits across all the tenant's keys; applied when the tenant is created. */
    limits: RateLimits.partial().optional(),
    /** Budget across all the tenant's keys; applied when the tenant is created. */
    budget: BudgetLimits.partial().optional(),
    /** The tenant's audit trail: what content it keeps, and where its records go. */
    audit: TenantAuditConfig.optional(),
  }),
  admin: z.object({
    email: z.email().max(254),
    password: z.string().min(12).max(256),
    /** Makes the admin one of the deployment's platform admins (may create tenants). */
    platformAdmin: z.boolean().optional(),
  }),
  apiKey: z
    .object({
      name: z.string().min(1).max(120),
      environment: Environment.default('dev'),
      limits: RateLimits.partial().optional(),
      budget: BudgetLimits.partial().optional(),
    })
    .optional(),
})
export type BootstrapRequest = z.infer<typeof BootstrapRequest>

/** Body of POST /internal/platform-admin: the deployment's first operator account. */
export const PlatformAdminRequest = z.object({
  email: z.email().max(254),
  password: z.string().min(12).max(256),
})
export type PlatformAdminRequest = z.infer<typeof PlatformAdminRequest>

/** An API key exactly as issued: the only time its secret is ever shown. */
export const IssuedApiKey = z.object({
  id: z.string(),
  name: z.string(),
  environment: Environment,
  prefix: z.string(),
  key: ApiKeyToken,
  createdAt: z.string(),
})
export type IssuedApiKey = z.infer<typeof IssuedApiKey>

export const BootstrapResponse = z.object({
  tenantId: z.string(),
  tenantCreated: z.boolean(),
  adminUserId: z.string(),
  apiKey: IssuedApiKey.optional(),
})
export type BootstrapResponse = z.infer<typeof BootstrapResponse>

/**
 * What the gateway's hot path knows about a key after authentication: enough to route, limit
 * and attribute the request without another lookup. Cached in isolate memory and KV.
 */
export const KeySnapshot = z.object({
  keyId: z.string(),
  tenantId: z.string(),
  environment: Environment,
  /** `quarantined`: held by the analytics service's signal until an admin releases it. */
  status: z.enum(['active', 'revoked', 'quarantined']),
  /** This key's own window. Snapshots published before limits existed get the defaults. */
  limits: RateLimits.default(DEFAULT_KEY_LIMITS),
  /** The tenant's window across keys. */
  tenantLimits: RateLimits.default(NO_LIMITS),
  /** This key's budget (none unless its policy sets one). */
  budget: BudgetLimits.default(NO_BUDGET),
  /** The tenant's budget across its keys. */
  tenantBudget: BudgetLimits.default(NO_BUDGET),
  /** What the tenant's audit trail keeps of content. */
  privacy: PrivacyMode.default('full'),
  /** Fractions of a budget at which a warning event is recorded. */
  budgetWarnings: z.array(z.number().gt(0).max(1)).default([0.8]),
  /** Resolved policy (see ResolvedPolicy): each set layer's allow list must pass. */
  allowModels: z.array(z.array(z.string())).default([]),
  denyModels: z.array(z.string()).default([]),
  aliases: z.record(z.string(), z.string()).default({}),
  fallbacks: z.record(z.string(), z.array(z.string())).default({}),
  blockedTerms: z.array(z.string()).default([]),
  maxPromptBytes: z.number().int().optional(),
  policyVersions: z.string().default(''),
  /** The key's own settings. Past `expiresAt` (ms since epoch) the key is refused. */
  expiresAt: z.number().int().nullable().default(null),
  /** Client addresses or CIDR ranges the key is accepted from; empty means any. */
  ipAllowlist: z.array(z.string()).default([]),
  /** Endpoints the key may call; empty means all. */
  endpoints: z.array(Endpoint).default([]),
})
export type KeySnapshot = z.infer<typeof KeySnapshot>
