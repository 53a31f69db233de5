import {
  PolicyDocument,
  resolvePolicy,
  type BudgetLimits,
  type Endpoint,
  type Environment,
  type KeySnapshot,
  type PolicyLayer,
  type PrivacyMode,
  type RateLimits,
  type ResolvedPolicy,
} from '@trueport/contracts'

export type TenantRow = {
  id: string
  slug: string
  name: string
  limits: string | null
  budget: string | null
  privacy: PrivacyMode | null
}

export type ApiKeyRow = {
  id: string
  name: string
  environment: Environment
  prefix: string
  hash: string
  status: 'active' | 'revoked' | 'quarantined'
  created_at: string
  revoked_at: string | null
  limits: string | null
  budget: string | null
  expires_at: number | null
  ip_allowlist: string | null
  endpoints: string | null
  rotated_to: string | null
  quarantined_at: string | null
}

const parse = <T>(json: string | null): T | undefined =>
  json === null ? undefined : (JSON.parse(json) as T)

/** The platform layer from PLATFORM_POLICY (JSON PolicyDocument); a broken one is refused loudly. */
export function platformLayer(raw: string | undefined): PolicyLayer[] {
  if (!raw) return []
  return [{ scope: 'platform', version: 1, document: PolicyDocument.parse(JSON.parse(raw)) }]
}

/** Settings stored in columns before policies existed, read as version 0 of their layer. */
export function legacyTenantLayer(t: TenantRow): PolicyLayer[] {
  const limits = parse<Partial<RateLimits>>(t.limits)
  const budget = parse<Partial<BudgetLimits>>(t.budget)
  if (!limits && !budget && !t.privacy) return []
  return [
    {
      scope: 'tenant',
      version: 0,
      document: {
        ...(limits ? { rateLimits: { perTenant: limits } } : {}),
        ...(budget ? { budgets: { perTenant: budget } } : {}),
        ...(t.privacy ? { logging: { privacy: t.privacy } } : {}),
      },
    },
  ]
}

export function legacyKeyLayer(k: ApiKeyRow): PolicyLayer[] {
  const limits = parse<Partial<RateLimits>>(k.limits)
  const budget = parse<Partial<BudgetLimits>>(k.budget)
  if (!limits && !budget) return []
  return [
    {
      scope: `key:${k.id}`,
      version: 0,
      document: {
        ...(limits ? { rateLimits: { perKey: limits } } : {}),
        ...(budget ? { budgets: { perKey: budget } } : {}),
      },
    },
  ]
}

/** What the gateway's hot path is told about a key: its own settings and its resolved policy. */
export function snapshotOf(key: ApiKeyRow, tenantId: string, policy: ResolvedPolicy): KeySnapshot {
  return {
    keyId: key.id,
    tenantId,
    environment: key.environment,
    status: key.status,
    limits: policy.limits,
    tenantLimits: policy.tenantLimits,
    budget: policy.budget,
    tenantBudget: policy.tenantBudget,
    privacy: policy.privacy,
    budgetWarnings: policy.budgetWarnings,
    allowModels: policy.allowModels,
    denyModels: policy.denyModels,
    aliases: policy.aliases,
    fallbacks: policy.fallbacks,
    blockedTerms: policy.blockedTerms,
    ...(policy.maxPromptBytes !== undefined ? { maxPromptBytes: policy.maxPromptBytes } : {}),
    policyVersions: policy.versions,
    expiresAt: key.expires_at,
    ipAllowlist: parse<string[]>(key.ip_allowlist) ?? [],
    endpoints: parse<Endpoint[]>(key.endpoints) ?? [],
  }
}

export { resolvePolicy }
