/**
 * The audit trail's object key layout. Every key of a tenant sits under its own prefix, and
 * within it keys sort by time and then by sequence, so a reader lists new objects with one
 * `StartAfter` (the last key it processed) instead of scanning:
 *
 *   audit/v1/<tenant>/batches/2026/12/02/14/000000000042.ndjson.gz
 *   audit/v1/<tenant>/manifests/2026/12/02/14.json
 *
 * Tenant ids are validated before they become a path segment, and every key a writer derives
 * is checked to lie under that tenant's prefix: no configuration can aim one tenant's records
 * at another's objects.
 */

const TENANT_ID = /^[A-Za-z0-9_-]{1,64}$/
const PERIOD = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})$/

export class AuditKeyError extends Error {
  override name = 'AuditKeyError'
}

function checkTenant(tenantId: string): string {
  if (!TENANT_ID.test(tenantId)) throw new AuditKeyError(`not a tenant id: "${tenantId}"`)
  return tenantId
}

/** Everything of one tenant lives under this prefix (with an optional bucket prefix before it). */
export const tenantPrefix = (tenantId: string, root = '') =>
  `${normaliseRoot(root)}audit/v1/${checkTenant(tenantId)}/`

/** A bucket prefix a tenant configured for its own bucket: no leading slash, one trailing. */
export function normaliseRoot(root: string): string {
  const r = root.replace(/^\/+/, '').replace(/\/+$/, '')
  if (r.split('/').some((s) => s === '..' || s === '.'))
    throw new AuditKeyError(`bucket prefix may not contain "." or ".." segments: "${root}"`)
  // A prefix that itself looks like a tenant's place would nest one tenant inside another's.
  if (/(^|\/)audit\/v1(\/|$)/.test(r))
    throw new AuditKeyError(`bucket prefix may not contain "audit/v1": "${root}"`)
  return r ? `${r}/` : ''
}

/** The UTC hour `at` falls in, as `YYYY-MM-DDTHH`. */
export const periodOf = (at: number) => new Date(at).toISOString().slice(0, 13)

/** When a period ends (ms since the epoch). */
export function periodEnd(period: string): number {
  const m = PERIOD.exec(period)
  if (!m) throw new AuditKeyError(`not a period: "${period}"`)
  return Date.parse(`${period}:00:00.000Z`) + 3600_000
}

const periodPath = (period: string) => {
  const m = PERIOD.exec(period)
  if (!m) throw new AuditKeyError(`not a period: "${period}"`)
  return `${m[1]}/${m[2]}/${m[3]}/${m[4]}`
}

export const batchKey = (tenantId: string, period: string, seq: number, root = '') =>
  `${tenantPrefix(tenantId, root)}batches/${periodPath(period)}/${String(seq).padStart(12, '0')}.ndjson.gz`

export const manifestKey = (tenantId: string, period: string, root = '') =>
  `${tenantPrefix(tenantId, root)}manifests/${periodPath(period)}.json`

/** Reads a batch key back into its period and sequence, or undefined for anything else. */
export function parseBatchKey(
  key: string,
  tenantId: string,
  root = ''
): { period: string; seq: number } | undefined {
  const prefix = `${tenantPrefix(tenantId, root)}batches/`
  if (!key.startsWith(prefix)) return undefined
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{12})\.ndjson\.gz$/.exec(
    key.slice(prefix.length)
  )
  if (!m) return undefined
  return { period: `${m[1]}-${m[2]}-${m[3]}T${m[4]}`, seq: Number(m[5]) }
}

/** Throws unless `key` lies under the tenant's prefix: the last guard before any write. */
export function assertTenantKey(key: string, tenantId: string, root = ''): void {
  if (!key.startsWith(tenantPrefix(tenantId, root)) || key.includes('/../'))
    throw new AuditKeyError(`key "${key}" is outside tenant ${tenantId}'s prefix`)
}
