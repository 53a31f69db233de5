/**
 * @trueport/durable-objects: the Durable Object classes (thin storage/RPC shells), the helper
 * that names their instances, and the pure modules they are built from.
 */
export {
  DirectoryDO,
  type IdentityError,
  type IdentityResult,
  type TenantInfo,
  type UserRecord,
} from './directory-do'
export {
  TenantDO,
  inviteTenant,
  type AdminEvent,
  type AdminEventFilter,
  type Invite,
  type ProviderCredentialListing,
  type TenantRefusal,
} from './tenant-do'
export { SYSTEM_ACTOR } from './tenant/admin-log'
export { publishHot, upstashFor, type UpstashSecrets } from './lib/hot-cache'
export { RateLimiterDO } from './rate-limiter-do'
export { BreakerDO, type BreakerReport } from './breaker-do'
export { BudgetDO, RESERVATION_TTL_MS, type ReserveResult } from './budget-do'
export {
  AuditDO,
  FLUSH_MS,
  MAX_BATCH,
  type AppendResult,
  type AuditStatus,
  type TenantBucket,
  type UsageDelta,
  type UsageDimension,
  type UsageRow,
} from './audit-do'
export {
  auditStub,
  breakerStub,
  budgetStub,
  cacheKeys,
  directoryStub,
  objectNames,
  rateLimiterStub,
  tenantStub,
} from './names'
export { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './lib/api-key'
export { hashPassword, verifyPassword, PBKDF2_ITERATIONS } from './lib/password'
export * from './lib/circuit-breaker'
export type { AdmitResult, LimitReport, WindowLimits } from './lib/sliding-window'
export * from './lib/budget'
