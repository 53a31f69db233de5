import { DurableObject } from 'cloudflare:workers'
import {
  DEFAULT_KEY_LIMITS,
  NO_BUDGET,
  NO_LIMITS,
  type BudgetLimits,
  type Environment,
  type IssuedApiKey,
  type KeySnapshot,
  type PrivacyMode,
  type RateLimits,
} from '@trueport/contracts'
import { generateApiKey } from './lib/api-key'
import { newId } from './lib/encoding'
import { hashPassword, verifyPassword } from './lib/password'
import {
  loadKeyring,
  rewrapToCurrent,
  seal,
  unseal,
  type KekSecrets,
  type Keyring,
  type Sealed,
} from './lib/envelope'
import { applyMigrations, type Migration } from './lib/sql-migrations'
import { cacheKeys } from './names'

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE tenant (
       id TEXT PRIMARY KEY,
       slug TEXT NOT NULL,
       name TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `CREATE TABLE users (
       id TEXT PRIMARY KEY,
       email TEXT NOT NULL UNIQUE,
       password_hash TEXT NOT NULL,
       role TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `CREATE TABLE api_keys (
       id TEXT PRIMARY KEY,
       name TEXT NOT NULL,
       environment TEXT NOT NULL,
       prefix TEXT NOT NULL,
       hash TEXT NOT NULL UNIQUE,
       status TEXT NOT NULL,
       created_at TEXT NOT NULL,
       revoked_at TEXT
     )`,
  ],
  [
    // Rate limits as JSON (RateLimits); NULL means the defaults.
    'ALTER TABLE tenant ADD COLUMN limits TEXT',
    'ALTER TABLE api_keys ADD COLUMN limits TEXT',
  ],
  // The key's budget as JSON (BudgetLimits); NULL means none.
  ['ALTER TABLE api_keys ADD COLUMN budget TEXT'],
  // The tenant's budget across its keys, the same way.
  ['ALTER TABLE tenant ADD COLUMN budget TEXT'],
  // The audit trail's privacy mode for content (PrivacyMode); NULL means full.
  ['ALTER TABLE tenant ADD COLUMN privacy TEXT'],
  // Bring-your-own provider keys, sealed (lib/envelope.ts): never stored in clear.
  [
    `CREATE TABLE provider_credentials (
       name TEXT PRIMARY KEY,
       provider TEXT NOT NULL,
       sealed TEXT NOT NULL,
       hint TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     )`,
  ],
]

/** A stored provider credential as listed: never the secret. */
export interface ProviderCredentialListing {
  name: string
  provider: string
  /** The secret's last four characters, so an admin can tell keys apart. */
  hint: string
  /** The key-encryption key its data key is wrapped under. */
  kek: string
  createdAt: string
  updatedAt: string
}

type CredentialRow = {
  name: string
  provider: string
  sealed: string
  hint: string
  created_at: string
  updated_at: string
}

const CREDENTIAL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

/** A stored JSON override over its defaults (NULL: the defaults). */
const withDefaults = <T extends object>(json: string | null, fallback: T): T =>
  json ? { ...fallback, ...(JSON.parse(json) as Partial<T>) } : fallback

const jsonOrNull = (v: object | undefined) => (v ? JSON.stringify(v) : null)

type TenantRow = {
  id: string
  limits: string | null
  budget: string | null
  privacy: PrivacyMode | null
}

/** What the gateway's hot path is told about a key: its own policy and its tenant's. */
function snapshotOf(
  key: Pick<ApiKeyRow, 'id' | 'environment' | 'status' | 'limits' | 'budget'>,
  tenant: TenantRow
): KeySnapshot {
  return {
    keyId: key.id,
    tenantId: tenant.id,
    environment: key.environment,
    status: key.status,
    limits: withDefaults(key.limits, DEFAULT_KEY_LIMITS),
    tenantLimits: withDefaults(tenant.limits, NO_LIMITS),
    budget: withDefaults(key.budget, NO_BUDGET),
    tenantBudget: withDefaults(tenant.budget, NO_BUDGET),
    privacy: tenant.privacy ?? 'full',
    budgetWarnings: [0.8],
  }
}

/** An API key as listed: never the secret, never the hash. */
export interface ApiKeyListing {
  id: string
  name: string
  environment: Environment
  prefix: string
  status: 'active' | 'revoked'
  createdAt: string
  revokedAt: string | null
}

type ApiKeyRow = {
  id: string
  name: string
  environment: Environment
  prefix: string
  hash: string
  status: 'active' | 'revoked'
  created_at: string
  revoked_at: string | null
  limits: string | null
  budget: string | null
}

/**
 * One tenant's state: its record, members and API keys, in the object's own SQLite. A thin
 * shell: hashing and key generation live in ./lib as plain functions.
 */
export class TenantDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // SQLite calls are synchronous and the constructor finishes before any request is
    // delivered, so migrating here needs no blockConcurrencyWhile.
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  /**
   * Records the tenant's identity; a second call with the same id is a no-op. An object that
   * already holds another tenant answers `conflict` (a result, not a throw: the caller decides
   * how to report it, and RPC exceptions are noisy across the DO boundary).
   */
  init(tenant: {
    id: string
    slug: string
    name: string
    limits?: Partial<RateLimits> | undefined
    budget?: Partial<BudgetLimits> | undefined
    privacy?: PrivacyMode | undefined
  }): {
    created: boolean
    conflict?: true
  } {
    const sql = this.ctx.storage.sql
    const existing = sql.exec<{ id: string }>('SELECT id FROM tenant LIMIT 1').toArray()[0]
    if (existing) {
      return existing.id === tenant.id ? { created: false } : { created: false, conflict: true }
    }
    sql.exec(
      'INSERT INTO tenant (id, slug, name, created_at, limits, budget, privacy) VALUES (?, ?, ?, ?, ?, ?, ?)',
      tenant.id,
      tenant.slug,
      tenant.name,
      new Date().toISOString(),
      jsonOrNull(tenant.limits),
      jsonOrNull(tenant.budget),
      tenant.privacy ?? null
    )
    return { created: true }
  }

  /** Makes sure `email` is an owner; an existing member keeps its password. */
  async ensureOwner(
    email: string,
    password: string
  ): Promise<{ userId: string; created: boolean }> {
    const normalized = email.trim().toLowerCase()
    const sql = this.ctx.storage.sql
    const row = sql
      .exec<{ id: string }>('SELECT id FROM users WHERE email = ?', normalized)
      .toArray()[0]
    if (row) return { userId: row.id, created: false }
    const passwordHash = await hashPassword(password)
    // Re-check after the await: another call may have inserted the same email meanwhile.
    const raced = sql
      .exec<{ id: string }>('SELECT id FROM users WHERE email = ?', normalized)
      .toArray()[0]
    if (raced) return { userId: raced.id, created: false }
    const userId = newId('usr')
    sql.exec(
      'INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)',
      userId,
      normalized,
      passwordHash,
      'owner',
      new Date().toISOString()
    )
    return { userId, created: true }
  }

  /** The user id when the email/password pair is valid, else null. */
  async verifyLogin(email: string, password: string): Promise<string | null> {
    const row = this.ctx.storage.sql
      .exec<{ id: string; password_hash: string }>(
        'SELECT id, password_hash FROM users WHERE email = ?',
        email.trim().toLowerCase()
      )
      .toArray()[0]
    if (!row) return null
    return (await verifyPassword(password, row.password_hash)) ? row.id : null
  }

  /**
   * Issues a key and publishes its snapshot to the hot-path cache. The secret is returned here
   * once and exists nowhere else: storage keeps only its SHA-256.
   */
  async issueApiKey(input: {
    name: string
    environment: Environment
    limits?: Partial<RateLimits> | undefined
    budget?: Partial<BudgetLimits> | undefined
  }): Promise<IssuedApiKey> {
    const tenant = this.#tenant()
    const generated = await generateApiKey(input.environment)
    const id = newId('key')
    const createdAt = new Date().toISOString()
    this.ctx.storage.sql.exec(
      `INSERT INTO api_keys (id, name, environment, prefix, hash, status, created_at, limits, budget)
       VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
      id,
      input.name,
      input.environment,
      generated.prefix,
      generated.hash,
      createdAt,
      jsonOrNull(input.limits),
      jsonOrNull(input.budget)
    )
    await this.#publish(
      generated.hash,
      snapshotOf(
        {
          id,
          environment: input.environment,
          status: 'active',
          limits: jsonOrNull(input.limits),
          budget: jsonOrNull(input.budget),
        },
        tenant
      )
    )
    return {
      id,
      name: input.name,
      environment: input.environment,
      prefix: generated.prefix,
      key: generated.key,
      createdAt,
    }
  }

  /** Revokes a key and overwrites its cached snapshot; returns false for an unknown key. */
  async revokeApiKey(keyId: string): Promise<boolean> {
    const sql = this.ctx.storage.sql
    const row = sql.exec<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?', keyId).toArray()[0]
    if (!row) return false
    sql.exec(
      "UPDATE api_keys SET status = 'revoked', revoked_at = ? WHERE id = ?",
      new Date().toISOString(),
      keyId
    )
    await this.#publish(row.hash, snapshotOf({ ...row, status: 'revoked' }, this.#tenant()))
    return true
  }

  /** All keys of the tenant, newest first, without secrets or hashes. */
  listApiKeys(): ApiKeyListing[] {
    return this.ctx.storage.sql
      .exec<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id')
      .toArray()
      .map((r) => ({
        id: r.id,
        name: r.name,
        environment: r.environment,
        prefix: r.prefix,
        status: r.status,
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }))
  }

  /**
   * Stores (or replaces) a provider key for this tenant, sealed under the current KEK. Answers
   * the listing, never the secret.
   */
  async setProviderCredential(input: {
    name: string
    provider: string
    secret: string
  }): Promise<{ ok: true; credential: ProviderCredentialListing } | { ok: false; error: string }> {
    if (!CREDENTIAL_NAME.test(input.name))
      return { ok: false, error: 'a credential name is lowercase letters, digits and dashes' }
    if (input.secret.length < 8) return { ok: false, error: 'the secret is too short to be a key' }
    const ring = await loadKeyring(this.env as unknown as KekSecrets)
    const sealed = await seal(input.secret, ring.current)
    const now = new Date().toISOString()
    this.ctx.storage.sql.exec(
      `INSERT INTO provider_credentials (name, provider, sealed, hint, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, sealed = excluded.sealed,
         hint = excluded.hint, updated_at = excluded.updated_at`,
      input.name,
      input.provider,
      JSON.stringify(sealed),
      input.secret.slice(-4),
      now,
      now
    )
    const listed = this.listProviderCredentials().find((c) => c.name === input.name)
    if (!listed) throw new Error('credential vanished after it was written')
    return { ok: true, credential: listed }
  }

  listProviderCredentials(): ProviderCredentialListing[] {
    return this.ctx.storage.sql
      .exec<CredentialRow>('SELECT * FROM provider_credentials ORDER BY name')
      .toArray()
      .map((r) => ({
        name: r.name,
        provider: r.provider,
        hint: r.hint,
        kek: (JSON.parse(r.sealed) as Sealed).kek,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }))
  }

  /** The secret itself, for the gateway's use; null for an unknown name. `ring` is for tests. */
  async providerCredential(name: string, ring?: Keyring): Promise<string | null> {
    const row = this.ctx.storage.sql
      .exec<CredentialRow>('SELECT * FROM provider_credentials WHERE name = ?', name)
      .toArray()[0]
    if (!row) return null
    const keys = ring ?? (await loadKeyring(this.env as unknown as KekSecrets))
    return unseal(JSON.parse(row.sealed) as Sealed, keys.all)
  }

  deleteProviderCredential(name: string): boolean {
    return (
      this.ctx.storage.sql
        .exec('DELETE FROM provider_credentials WHERE name = ? RETURNING name', name)
        .toArray().length > 0
    )
  }

  /**
   * Re-wraps every stored credential under the current KEK: run after CREDENTIALS_KEK was
   * rotated (the old one in CREDENTIALS_KEK_PREVIOUS until this has run everywhere). The values
   * themselves are not decrypted. `ring` is for tests.
   */
  async rotateCredentials(ring?: Keyring): Promise<{ rewrapped: number; total: number }> {
    const keys = ring ?? (await loadKeyring(this.env as unknown as KekSecrets))
    const sql = this.ctx.storage.sql
    const rows = sql.exec<CredentialRow>('SELECT * FROM provider_credentials').toArray()
    const updates: [string, string][] = []
    for (const r of rows) {
      const { sealed, changed } = await rewrapToCurrent(JSON.parse(r.sealed) as Sealed, keys)
      if (changed) updates.push([r.name, JSON.stringify(sealed)])
    }
    this.ctx.storage.transactionSync(() => {
      for (const [name, sealed] of updates)
        sql.exec('UPDATE provider_credentials SET sealed = ? WHERE name = ?', sealed, name)
    })
    return { rewrapped: updates.length, total: rows.length }
  }

  #tenant(): TenantRow {
    const row = this.ctx.storage.sql
      .exec<TenantRow>('SELECT id, limits, budget, privacy FROM tenant LIMIT 1')
      .toArray()[0]
    if (!row) throw new Error('tenant object is not initialised')
    return row
  }

  async #publish(hash: string, snapshot: KeySnapshot): Promise<void> {
    await this.env.KEY_CACHE.put(cacheKeys.apiKey(hash), JSON.stringify(snapshot))
  }
}
