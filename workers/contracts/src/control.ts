import { z } from 'zod'
import { Endpoint, Environment, TenantSlug } from './ids'
import { PolicyDocument } from './policy'
import { BudgetLimits, RateLimits, TenantAuditConfig } from './tenancy'

/** An address or CIDR range (v4 or v6) a key is accepted from. */
export const IpRule = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()])

/** The settings a key is created with; `policy` is the key's own layer of the hierarchy. */
export const ApiKeyCreate = z.object({
  name: z.string().min(1).max(120),
  environment: Environment.optional(),
  /** Shorthands for `policy.rateLimits.perKey` and `policy.budgets.perKey`. */
  limits: RateLimits.partial().optional(),
  budget: BudgetLimits.partial().optional(),
  policy: PolicyDocument.optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  ipAllowlist: z.array(IpRule).max(100).optional(),
  endpoints: z.array(Endpoint).max(Endpoint.options.length).optional(),
})
export type ApiKeyCreate = z.infer<typeof ApiKeyCreate>

/** What may change on an existing key (null clears expiry). */
export const ApiKeyUpdate = z
  .object({
    name: z.string().min(1).max(120).optional(),
    expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
    ipAllowlist: z.array(IpRule).max(100).optional(),
    endpoints: z.array(Endpoint).max(Endpoint.options.length).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to change')
export type ApiKeyUpdate = z.infer<typeof ApiKeyUpdate>

/** Rotation: a new key now, the old one keeps working for `graceSeconds` (0: revoked now). */
export const ApiKeyRotate = z.object({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
})
export type ApiKeyRotate = z.infer<typeof ApiKeyRotate>

/** An API key as listed: never the secret, never the hash. */
export const ApiKeyListing = z.object({
  id: z.string(),
  name: z.string(),
  environment: Environment,
  prefix: z.string(),
  status: z.enum(['active', 'revoked', 'expired', 'quarantined']),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  ipAllowlist: z.array(z.string()),
  endpoints: z.array(Endpoint),
  /** The key that replaced this one, once rotated. */
  rotatedTo: z.string().nullable(),
})
export type ApiKeyListing = z.infer<typeof ApiKeyListing>

export const CredentialPut = z.object({
  provider: z.string().min(1).max(40),
  secret: z.string().min(8).max(4096),
})
export type CredentialPut = z.infer<typeof CredentialPut>

/** Creates a tenant (platform admins) with its first owner. */
export const TenantCreate = z.object({
  slug: TenantSlug,
  name: z.string().min(1).max(120),
  ownerEmail: z.email().max(254),
  audit: TenantAuditConfig.optional(),
})
export type TenantCreate = z.infer<typeof TenantCreate>

export const Member = z.object({
  userId: z.string(),
  email: z.string(),
  role: z.string(),
  createdAt: z.string(),
})
export type Member = z.infer<typeof Member>

/**
 * What the on-prem analytics service tells the edge after analysing an audit object: counts
 * by detector and severity (the evidence stays on premises) and keys to quarantine. Sent as
 * JSON, signed `x-trueport-signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
 * tenant's `analytics-summary` credential.
 */
export const AnalyticsSummary = z.object({
  /** Unique per analysed object: a repeated delivery is counted once. */
  id: z.string().min(1).max(200),
  tenantId: z.string().min(1),
  window: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  counts: z
    .array(
      z.object({
        detector: z.enum(['pii', 'injection', 'toxicity', 'exfiltration', 'rules']),
        severity: z.enum(['low', 'medium', 'high', 'critical']),
        count: z.number().int().min(0),
      })
    )
    .max(100),
  keys: z
    .array(
      z.object({
        keyId: z.string(),
        critical: z.number().int().min(0),
        high: z.number().int().min(0),
        quarantine: z.boolean(),
      })
    )
    .max(10_000),
})
export type AnalyticsSummary = z.infer<typeof AnalyticsSummary>
