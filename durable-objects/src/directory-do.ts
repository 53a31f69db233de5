import { DurableObject } from 'cloudflare:workers'
import { newId } from './lib/encoding'
import { applyMigrations, type Migration } from './lib/sql-migrations'

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE tenants_by_slug (
       slug TEXT PRIMARY KEY,
       tenant_id TEXT NOT NULL UNIQUE,
       created_at TEXT NOT NULL
     )`,
  ],
]

/**
 * The cross-tenant directory: the few lookups that cannot live inside one tenant's object
 * (which tenant owns a slug). Used by the control plane only; the data plane never calls it.
 */
export class DirectoryDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // SQLite calls are synchronous and the constructor finishes before any request is
    // delivered, so migrating here needs no blockConcurrencyWhile.
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  /**
   * Returns the tenant that owns `slug`, creating the mapping with a new tenant id if the slug
   * is free. Atomic: two concurrent claims of one slug get the same tenant id.
   */
  claimSlug(slug: string): { tenantId: string; created: boolean } {
    const sql = this.ctx.storage.sql
    const existing = sql
      .exec<{ tenant_id: string }>('SELECT tenant_id FROM tenants_by_slug WHERE slug = ?', slug)
      .toArray()[0]
    if (existing) return { tenantId: existing.tenant_id, created: false }
    const tenantId = newId('ten')
    sql.exec(
      'INSERT INTO tenants_by_slug (slug, tenant_id, created_at) VALUES (?, ?, ?)',
      slug,
      tenantId,
      new Date().toISOString()
    )
    return { tenantId, created: true }
  }

  /** The tenant id for a slug, or null. */
  lookupSlug(slug: string): string | null {
    const row = this.ctx.storage.sql
      .exec<{ tenant_id: string }>('SELECT tenant_id FROM tenants_by_slug WHERE slug = ?', slug)
      .toArray()[0]
    return row?.tenant_id ?? null
  }
}
