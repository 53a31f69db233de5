import { z } from 'zod'
import { PrivacyMode } from './audit'
import { Environment } from './ids'
import { BudgetLimits, RateLimits } from './tenancy'

/** A model name or a `prefix*` pattern, as in PROVIDERS. */
const ModelPattern = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/@-]+\*?$|^\*$/, 'a model name, `prefix*` or `*`')

/**
 * One layer of configuration. Layers stack platform defaults -> tenant -> environment -> key;
 * every field is optional and a layer sets only what it changes. Limits and budgets are
 * overridden by lower layers; model allow lists narrow (a model must pass every layer's list)
 * and deny lists, blocked terms and aliases accumulate, so a key can never widen what its
 * tenant allows.
 */
export const PolicyDocument = z
  .object({
    rateLimits: z
      .object({
        /** Each key's own window. */
        perKey: RateLimits.partial().optional(),
        /** The tenant's window across all its keys (tenant and platform layers only). */
        perTenant: RateLimits.partial().optional(),
      })
      .strict()
      .optional(),
    budgets: z
      .object({
        perKey: BudgetLimits.partial().optional(),
        /** The tenant's budget across all its keys (tenant and platform layers only). */
        perTenant: BudgetLimits.partial().optional(),
        /** Fractions of a budget at which a warning is recorded. */
        warnAt: z.array(z.number().gt(0).max(1)).max(5).optional(),
      })
      .strict()
      .optional(),
    models: z
      .object({
        allow: z.array(ModelPattern).max(200).optional(),
        deny: z.array(ModelPattern).max(200).optional(),
      })
      .strict()
      .optional(),
    routing: z
      .object({
        /** Client model name -> the model it is served as. */
        aliases: z.record(ModelPattern, ModelPattern).optional(),
        /** Model -> models tried, in order, when its own targets fail. */
        fallbacks: z.record(ModelPattern, z.array(ModelPattern).max(5)).optional(),
      })
      .strict()
      .optional(),
    guardrails: z
      .object({
        /** Case-insensitive terms a prompt may not contain (refused before it is sent). */
        blockedTerms: z.array(z.string().min(2).max(200)).max(500).optional(),
        /** The largest prompt (bytes of message text) accepted. */
        maxPromptBytes: z
          .number()
          .int()
          .min(1)
          .max(16 * 1024 * 1024)
          .optional(),
      })
      .strict()
      .optional(),
    logging: z.object({ privacy: PrivacyMode.optional() }).strict().optional(),
  })
  .strict()
export type PolicyDocument = z.infer<typeof PolicyDocument>

/** Where a policy layer applies: the tenant, one of its environments, or one key. */
export const PolicyScope = z.union([
  z.literal('tenant'),
  z.templateLiteral(['env:', Environment]),
  z.templateLiteral(['key:', z.string().regex(/^key_[A-Za-z0-9]{20}$/)]),
])
export type PolicyScope = z.infer<typeof PolicyScope>

/** A stored version of one layer. */
export const PolicyVersion = z.object({
  scope: PolicyScope,
  version: z.number().int().min(1),
  document: PolicyDocument,
  author: z.string(),
  createdAt: z.string(),
})
export type PolicyVersion = z.infer<typeof PolicyVersion>

/** What a key's requests are governed by once every layer is applied. */
export const ResolvedPolicy = z.object({
  limits: RateLimits,
  tenantLimits: RateLimits,
  budget: BudgetLimits,
  tenantBudget: BudgetLimits,
  budgetWarnings: z.array(z.number()),
  /** Every layer's allow list that was set: a model must match one pattern of each. */
  allowModels: z.array(z.array(z.string())),
  denyModels: z.array(z.string()),
  aliases: z.record(z.string(), z.string()),
  fallbacks: z.record(z.string(), z.array(z.string())),
  blockedTerms: z.array(z.string()),
  maxPromptBytes: z.number().int().optional(),
  privacy: PrivacyMode,
  /** Which version of each layer went into this (`tenant@3 env:prod@1 key:...@2`). */
  versions: z.string(),
})
export type ResolvedPolicy = z.infer<typeof ResolvedPolicy>
