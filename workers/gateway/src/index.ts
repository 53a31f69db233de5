/**
 * Entry point of the gateway Worker: the Hono app as the fetch handler, plus the Durable Object
 * classes that wrangler.toml binds (they must be exported from the main module).
 */
import { createApp } from './app'

export {
  AuditDO,
  BreakerDO,
  BudgetDO,
  DirectoryDO,
  RateLimiterDO,
  TenantDO,
} from '@trueport/durable-objects'

export default createApp()
