import type { AuditDO } from './audit-do'
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
  /** One audit spool and hash chain per tenant. */
  audit: (tenantId: string) => `audit:${tenantId}`,
} as const

/** The instance of `ns` with this name (names only ever come from `objectNames`). */
function named<T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  name: string
): DurableObjectStub<T> {
  return ns.get(ns.idFromName(name))
}

type Scope = 'key' | 'tenant'

/** Stub of the tenant's own Durable Object. */
export const tenantStub = (env: Pick<Env, 'TENANT'>, tenantId: string) =>
  named<TenantDO>(env.TENANT, objectNames.tenant(tenantId))

/** Stub of a rate-limit window. */
export const rateLimiterStub = (env: Pick<Env, 'RATE_LIMITER'>, scope: Scope, id: string) =>
  named<RateLimiterDO>(env.RATE_LIMITER, objectNames.rateLimit(scope, id))

/** Stub of an upstream's circuit breaker. */
export const breakerStub = (env: Pick<Env, 'BREAKER'>, upstream: string) =>
  named<BreakerDO>(env.BREAKER, objectNames.breaker(upstream))

/** Stub of a key's or tenant's budget. */
export const budgetStub = (env: Pick<Env, 'BUDGET'>, scope: Scope, id: string) =>
  named<BudgetDO>(env.BUDGET, objectNames.budget(scope, id))

/** Stub of a tenant's audit spool. */
export const auditStub = (env: Pick<Env, 'AUDIT'>, tenantId: string) =>
  named<AuditDO>(env.AUDIT, objectNames.audit(tenantId))

/** Stub of the directory Durable Object. */
export const directoryStub = (env: Pick<Env, 'DIRECTORY'>) =>
  named<DirectoryDO>(env.DIRECTORY, objectNames.directory())

/** Key names in the KEY_CACHE namespace, built here for the same reason as object names. */
export const cacheKeys = {
  /** The snapshot of the API key whose SHA-256 is `hash`. */
  apiKey: (hash: string) => `apikey:${hash}`,
  /** Present while a revoked sign-in session's access tokens could still be unexpired. */
  revokedSession: (sessionId: string) => `revoked-session:${sessionId}`,
} as const
