import type { BreakerDO } from './breaker-do'
import type { BudgetDO } from './budget-do'
import type { DirectoryDO } from './directory-do'
import type { RateLimiterDO } from './rate-limiter-do'
import type { TenantDO } from './tenant-do'

/**
 * The one place Durable Object instance names are built. Every caller goes through these
 * helpers, so two code paths can never address the same state under different names.
 */
export const objectNames = {
  /** The single cross-tenant directory (slug -> tenant). Control plane only, never hot path. */
  directory: () => 'directory',
  /** One instance per tenant. */
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  /** One rate-limit window per API key, and one per tenant across its keys. */
  rateLimit: (scope: 'key' | 'tenant', id: string) => `ratelimit:${scope}:${id}`,
  /** One circuit breaker per configured upstream (each is one endpoint, region or deployment). */
  breaker: (upstream: string) => `breaker:${upstream}`,
  /** One budget (spend and token quota) per API key, and one per tenant. */
  budget: (scope: 'key' | 'tenant', id: string) => `budget:${scope}:${id}`,
} as const

/** Stub of the tenant's own Durable Object. */
export function tenantStub(
  env: Pick<Env, 'TENANT'>,
  tenantId: string
): DurableObjectStub<TenantDO> {
  return env.TENANT.get(env.TENANT.idFromName(objectNames.tenant(tenantId)))
}

/** Stub of a rate-limit window. */
export function rateLimiterStub(
  env: Pick<Env, 'RATE_LIMITER'>,
  scope: 'key' | 'tenant',
  id: string
): DurableObjectStub<RateLimiterDO> {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(objectNames.rateLimit(scope, id)))
}

/** Stub of an upstream's circuit breaker. */
export function breakerStub(
  env: Pick<Env, 'BREAKER'>,
  upstream: string
): DurableObjectStub<BreakerDO> {
  return env.BREAKER.get(env.BREAKER.idFromName(objectNames.breaker(upstream)))
}

/** Stub of a key's or tenant's budget. */
export function budgetStub(
  env: Pick<Env, 'BUDGET'>,
  scope: 'key' | 'tenant',
  id: string
): DurableObjectStub<BudgetDO> {
  return env.BUDGET.get(env.BUDGET.idFromName(objectNames.budget(scope, id)))
}

/** Stub of the directory Durable Object. */
export function directoryStub(env: Pick<Env, 'DIRECTORY'>): DurableObjectStub<DirectoryDO> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName(objectNames.directory()))
}

/** Key names in the KEY_CACHE namespace, built here for the same reason as object names. */
export const cacheKeys = {
  /** The snapshot of the API key whose SHA-256 is `hash`. */
  apiKey: (hash: string) => `apikey:${hash}`,
} as const
