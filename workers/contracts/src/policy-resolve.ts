import type { PolicyDocument, PolicyScope, ResolvedPolicy } from './policy'
import { DEFAULT_KEY_LIMITS, NO_BUDGET, NO_LIMITS } from './tenancy'

/** One stored layer, as the resolver takes it (platform defaults first, the key's last). */
export interface PolicyLayer {
  scope: PolicyScope | 'platform'
  version: number
  document: PolicyDocument
}

/** Why `document` may not be stored at `scope`, or null when it may. */
export function layerError(scope: PolicyScope, document: PolicyDocument): string | null {
  if (scope === 'tenant') return null
  if (document.rateLimits?.perTenant || document.budgets?.perTenant)
    return 'tenant-wide limits and budgets belong to the tenant layer'
  return null
}

/**
 * Applies the layers in order. Numbers are overridden field by field by lower layers; model
 * allow lists are kept per layer (a model must pass all of them), while deny lists, blocked
 * terms, aliases and fallbacks accumulate (a lower layer's entry for the same model wins).
 */
export function resolvePolicy(layers: readonly PolicyLayer[]): ResolvedPolicy {
  const out: ResolvedPolicy = {
    limits: { ...DEFAULT_KEY_LIMITS },
    tenantLimits: { ...NO_LIMITS },
    budget: { ...NO_BUDGET },
    tenantBudget: { ...NO_BUDGET },
    budgetWarnings: [0.8],
    allowModels: [],
    denyModels: [],
    aliases: {},
    fallbacks: {},
    blockedTerms: [],
    privacy: 'full',
    versions: '',
  }
  const versions: string[] = []
  for (const { scope, version, document: d } of layers) {
    versions.push(`${scope}@${version}`)
    Object.assign(out.limits, d.rateLimits?.perKey)
    Object.assign(out.tenantLimits, d.rateLimits?.perTenant)
    Object.assign(out.budget, d.budgets?.perKey)
    Object.assign(out.tenantBudget, d.budgets?.perTenant)
    if (d.budgets?.warnAt) out.budgetWarnings = [...d.budgets.warnAt]
    if (d.models?.allow) out.allowModels.push([...d.models.allow])
    if (d.models?.deny) out.denyModels.push(...d.models.deny)
    Object.assign(out.aliases, d.routing?.aliases)
    Object.assign(out.fallbacks, d.routing?.fallbacks)
    if (d.guardrails?.blockedTerms)
      out.blockedTerms.push(...d.guardrails.blockedTerms.map((t) => t.toLowerCase()))
    if (d.guardrails?.maxPromptBytes !== undefined) out.maxPromptBytes = d.guardrails.maxPromptBytes
    if (d.logging?.privacy) out.privacy = d.logging.privacy
  }
  out.denyModels = [...new Set(out.denyModels)]
  out.blockedTerms = [...new Set(out.blockedTerms)]
  out.versions = versions.join(' ')
  return out
}

/** True when `model` matches a name or `prefix*` pattern. */
export const matchesModel = (pattern: string, model: string): boolean =>
  pattern.endsWith('*') ? model.startsWith(pattern.slice(0, -1)) : pattern === model

/** Why the resolved policy refuses `model`, or null when it is allowed. */
export function modelRefusal(
  policy: Pick<ResolvedPolicy, 'allowModels' | 'denyModels'>,
  model: string
): string | null {
  if (policy.denyModels.some((p) => matchesModel(p, model)))
    return `model "${model}" is denied by policy`
  for (const allow of policy.allowModels)
    if (!allow.some((p) => matchesModel(p, model)))
      return `model "${model}" is not in this key's allowed models`
  return null
}
