import { DurableObject } from 'cloudflare:workers'
import type { Role, TenantRole } from '@trueport/contracts'
import { newId } from './lib/encoding'
import { publishHot } from './lib/hot-cache'
import {
  CODE_MAX_ATTEMPTS,
  CODE_RESEND_MS,
  CODE_TTL_MS,
  LOCKOUT_FAILURES,
  LOCKOUT_MS,
  SESSION_TTL_MS,
  hashToken,
  newOneTimeCode,
  newOpaqueToken,
  normalizeEmail,
} from './lib/identity'
import { hashPassword, verifyPassword } from './lib/password'
import { applyMigrations, type Migration } from './lib/sql-migrations'
import { cacheKeys } from './names'

const MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE tenants_by_slug (
       slug TEXT PRIMARY KEY,
       tenant_id TEXT NOT NULL UNIQUE,
       created_at TEXT NOT NULL
     )`,
  ],
  [
    'ALTER TABLE tenants_by_slug ADD COLUMN name TEXT',
    // One account per email across tenants; the password is optional (OIDC-only users).
    `CREATE TABLE users (
       id TEXT PRIMARY KEY,
       email TEXT NOT NULL UNIQUE,
       password_hash TEXT,
       platform_admin INTEGER NOT NULL DEFAULT 0,
       failed_logins INTEGER NOT NULL DEFAULT 0,
       locked_until INTEGER NOT NULL DEFAULT 0,
       created_at TEXT NOT NULL
     )`,
    // A mirror of each tenant's members (the tenant's object holds the truth), so a user can
    // list their tenants without asking every tenant.
    `CREATE TABLE memberships (
       user_id TEXT NOT NULL,
       tenant_id TEXT NOT NULL,
       role TEXT NOT NULL,
       PRIMARY KEY (user_id, tenant_id)
     )`,
    `CREATE TABLE codes (
       email TEXT NOT NULL,
       purpose TEXT NOT NULL,
       code_hash TEXT NOT NULL,
       issued_at INTEGER NOT NULL,
       attempts INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (email, purpose)
     )`,
    `CREATE TABLE sessions (
       id TEXT PRIMARY KEY,
       user_id TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       expires_at INTEGER NOT NULL,
       revoked_at INTEGER,
       ip TEXT,
       user_agent TEXT
     )`,
    'CREATE INDEX sessions_by_user ON sessions (user_id)',
    // Every refresh token ever issued, by hash; a used one presented again betrays a theft.
    `CREATE TABLE refresh_tokens (
       hash TEXT PRIMARY KEY,
       session_id TEXT NOT NULL,
       issued_at INTEGER NOT NULL,
       used_at INTEGER
     )`,
    // Accounts linked to an OIDC provider's subject.
    `CREATE TABLE oidc_identities (
       issuer TEXT NOT NULL,
       subject TEXT NOT NULL,
       user_id TEXT NOT NULL,
       created_at INTEGER NOT NULL,
       PRIMARY KEY (issuer, subject)
     )`,
  ],
  [
    // OIDC sign-ins in flight: the PKCE verifier and nonce wait here, single-use, 10 minutes.
    `CREATE TABLE oidc_flows (
       state TEXT PRIMARY KEY,
       provider TEXT NOT NULL,
       verifier TEXT NOT NULL,
       nonce TEXT NOT NULL,
       return_to TEXT,
       expires_at INTEGER NOT NULL
     )`,
  ],
]

/** One OIDC sign-in in flight. */
export interface OidcFlow {
  state: string
  provider: string
  verifier: string
  nonce: string
  returnTo: string | null
}

const OIDC_FLOW_TTL_MS = 10 * 60_000

export type IdentityError =
  'invalid_credentials' | 'locked' | 'invalid_code' | 'throttled' | 'invalid_refresh' | 'not_found'

export type IdentityResult<T> = ({ ok: true } & T) | { ok: false; error: IdentityError }

export interface UserRecord {
  id: string
  email: string
  platformAdmin: boolean
  hasPassword: boolean
}

export interface TenantInfo {
  id: string
  slug: string
  name: string
}

type UserRow = {
  id: string
  email: string
  password_hash: string | null
  platform_admin: number
  failed_logins: number
  locked_until: number
}

type SessionMeta = { ip?: string | undefined; userAgent?: string | undefined }

const toUser = (r: UserRow): UserRecord => ({
  id: r.id,
  email: r.email,
  platformAdmin: r.platform_admin === 1,
  hasPassword: r.password_hash !== null,
})

/** Seconds a revoked session's marker must outlive its last access token. */
const REVOCATION_MARKER_TTL_S = 16 * 60

/**
 * The cross-tenant directory: slugs, user accounts (email, password hash, OIDC links), sign-in
 * sessions with rotating refresh tokens, one-time codes, and a mirror of memberships. Used by
 * the control plane only; the data plane never calls it.
 */
export class DirectoryDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // SQLite calls are synchronous and the constructor finishes before any request is
    // delivered, so migrating here needs no blockConcurrencyWhile.
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  get #sql() {
    return this.ctx.storage.sql
  }

  // ---- tenants -------------------------------------------------------------------------

  /**
   * Returns the tenant that owns `slug`, creating the mapping with a new tenant id if the slug
   * is free. Atomic: two concurrent claims of one slug get the same tenant id.
   */
  claimSlug(slug: string, name?: string): { tenantId: string; created: boolean } {
    const existing = this.#sql
      .exec<{ tenant_id: string }>('SELECT tenant_id FROM tenants_by_slug WHERE slug = ?', slug)
      .toArray()[0]
    if (existing) return { tenantId: existing.tenant_id, created: false }
    const tenantId = newId('ten')
    this.#sql.exec(
      'INSERT INTO tenants_by_slug (slug, tenant_id, created_at, name) VALUES (?, ?, ?, ?)',
      slug,
      tenantId,
      new Date().toISOString(),
      name ?? slug
    )
    return { tenantId, created: true }
  }

  /** The tenant id for a slug, or null. */
  lookupSlug(slug: string): string | null {
    const row = this.#sql
      .exec<{ tenant_id: string }>('SELECT tenant_id FROM tenants_by_slug WHERE slug = ?', slug)
      .toArray()[0]
    return row?.tenant_id ?? null
  }

  tenantInfo(tenantId: string): TenantInfo | null {
    const row = this.#sql
      .exec<{ slug: string; name: string | null }>(
        'SELECT slug, name FROM tenants_by_slug WHERE tenant_id = ?',
        tenantId
      )
      .toArray()[0]
    return row ? { id: tenantId, slug: row.slug, name: row.name ?? row.slug } : null
  }

  /** Every tenant (platform admins' view), by slug. */
  listTenants(): TenantInfo[] {
    return this.#sql
      .exec<{ slug: string; tenant_id: string; name: string | null }>(
        'SELECT slug, tenant_id, name FROM tenants_by_slug ORDER BY slug'
      )
      .toArray()
      .map((r) => ({ id: r.tenant_id, slug: r.slug, name: r.name ?? r.slug }))
  }

  // ---- users ---------------------------------------------------------------------------

  /**
   * Finds or creates the account for `email`. A password is set only on a new account or one
   * without a password; an existing password is never overwritten here.
   */
  async ensureUser(input: {
    email: string
    password?: string | undefined
    platformAdmin?: boolean | undefined
  }): Promise<{ user: UserRecord; created: boolean }> {
    const email = normalizeEmail(input.email)
    const passwordHash = input.password ? await hashPassword(input.password) : null
    // Everything after the hash is synchronous: no other call can interleave.
    let created = false
    const row = this.#userByEmail(email)
    if (!row) {
      this.#sql.exec(
        'INSERT INTO users (id, email, password_hash, platform_admin, created_at) VALUES (?, ?, ?, ?, ?)',
        newId('usr'),
        email,
        passwordHash,
        input.platformAdmin ? 1 : 0,
        new Date().toISOString()
      )
      created = true
    } else {
      if (row.password_hash === null && passwordHash)
        this.#sql.exec('UPDATE users SET password_hash = ? WHERE id = ?', passwordHash, row.id)
      if (input.platformAdmin && row.platform_admin !== 1)
        this.#sql.exec('UPDATE users SET platform_admin = 1 WHERE id = ?', row.id)
    }
    const stored = this.#userByEmail(email)
    if (!stored) throw new Error('user vanished after it was written')
    return { user: toUser(stored), created }
  }

  user(userId: string): UserRecord | null {
    const row = this.#sql.exec<UserRow>('SELECT * FROM users WHERE id = ?', userId).toArray()[0]
    return row ? toUser(row) : null
  }

  userByEmail(email: string): UserRecord | null {
    const row = this.#userByEmail(normalizeEmail(email))
    return row ? toUser(row) : null
  }

  /**
   * Checks an email/password pair. Unknown emails cost a hash too (no timing oracle), and
   * after LOCKOUT_FAILURES consecutive failures the account is locked for LOCKOUT_MS.
   */
  async login(email: string, password: string): Promise<IdentityResult<{ user: UserRecord }>> {
    const row = this.#userByEmail(normalizeEmail(email))
    const now = Date.now()
    if (row && row.locked_until > now) return { ok: false, error: 'locked' }
    const valid = row?.password_hash
      ? await verifyPassword(password, row.password_hash)
      : (await hashPassword(password), false)
    if (!row) return { ok: false, error: 'invalid_credentials' }
    if (!valid) {
      this.#sql.exec(
        `UPDATE users SET failed_logins = failed_logins + 1,
           locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
         WHERE id = ?`,
        LOCKOUT_FAILURES,
        now + LOCKOUT_MS,
        row.id
      )
      return { ok: false, error: 'invalid_credentials' }
    }
    this.#sql.exec('UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?', row.id)
    return { ok: true, user: toUser(row) }
  }

  /**
   * A one-time code for an existing account (the caller mails it). Unknown emails answer
   * `not_found`, which the API hides: its answer is the same either way.
   */
  issueCode(email: string, purpose: 'login' | 'reset'): Promise<IdentityResult<{ code: string }>> {
    return this.#issueCode(normalizeEmail(email), purpose)
  }

  async #issueCode(email: string, purpose: string): Promise<IdentityResult<{ code: string }>> {
    if (!this.#userByEmail(email)) return { ok: false, error: 'not_found' }
    const now = Date.now()
    const last = this.#sql
      .exec<{ issued_at: number }>(
        'SELECT issued_at FROM codes WHERE email = ? AND purpose = ?',
        email,
        purpose
      )
      .toArray()[0]
    if (last && now - last.issued_at < CODE_RESEND_MS) return { ok: false, error: 'throttled' }
    const code = newOneTimeCode()
    const hash = await hashToken(`${email}|${purpose}|${code}`)
    this.#sql.exec(
      `INSERT INTO codes (email, purpose, code_hash, issued_at, attempts) VALUES (?, ?, ?, ?, 0)
       ON CONFLICT (email, purpose) DO UPDATE SET code_hash = excluded.code_hash,
         issued_at = excluded.issued_at, attempts = 0`,
      email,
      purpose,
      hash,
      now
    )
    return { ok: true, code }
  }

  /** Redeems a code once: expired, burnt (too many guesses) and wrong codes are all `invalid_code`. */
  async redeemCode(
    email: string,
    purpose: 'login' | 'reset',
    code: string
  ): Promise<IdentityResult<{ user: UserRecord }>> {
    const normalized = normalizeEmail(email)
    const hash = await hashToken(`${normalized}|${purpose}|${code}`)
    const row = this.#sql
      .exec<{ code_hash: string; issued_at: number; attempts: number }>(
        'SELECT code_hash, issued_at, attempts FROM codes WHERE email = ? AND purpose = ?',
        normalized,
        purpose
      )
      .toArray()[0]
    const user = this.#userByEmail(normalized)
    if (!row || !user) return { ok: false, error: 'invalid_code' }
    const live = Date.now() - row.issued_at < CODE_TTL_MS && row.attempts < CODE_MAX_ATTEMPTS
    if (!live || row.code_hash !== hash) {
      this.#sql.exec(
        'UPDATE codes SET attempts = attempts + 1 WHERE email = ? AND purpose = ?',
        normalized,
        purpose
      )
      return { ok: false, error: 'invalid_code' }
    }
    this.#sql.exec('DELETE FROM codes WHERE email = ? AND purpose = ?', normalized, purpose)
    // A code proves control of the mailbox: it also lifts a password lockout.
    this.#sql.exec('UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?', user.id)
    return { ok: true, user: toUser(user) }
  }

  /** Sets a new password with a reset code; every session of the account is revoked. */
  async resetPassword(
    email: string,
    code: string,
    password: string
  ): Promise<IdentityResult<{ user: UserRecord; revokedSessions: number }>> {
    const passwordHash = await hashPassword(password)
    const redeemed = await this.redeemCode(email, 'reset', code)
    if (!redeemed.ok) return redeemed
    this.#sql.exec(
      'UPDATE users SET password_hash = ? WHERE id = ?',
      passwordHash,
      redeemed.user.id
    )
    const revokedSessions = await this.revokeUserSessions(redeemed.user.id)
    return { ok: true, user: redeemed.user, revokedSessions }
  }

  /** The account linked to an OIDC subject, linking (or creating) it by verified email. */
  linkOidc(input: {
    issuer: string
    subject: string
    email: string
    emailVerified: boolean
  }): IdentityResult<{ user: UserRecord; created: boolean }> {
    const linked = this.#sql
      .exec<{ user_id: string }>(
        'SELECT user_id FROM oidc_identities WHERE issuer = ? AND subject = ?',
        input.issuer,
        input.subject
      )
      .toArray()[0]
    if (linked) {
      const user = this.user(linked.user_id)
      return user ? { ok: true, user, created: false } : { ok: false, error: 'not_found' }
    }
    // Linking by email is only safe when the provider vouches for the address.
    if (!input.emailVerified) return { ok: false, error: 'invalid_credentials' }
    const email = normalizeEmail(input.email)
    let created = false
    if (!this.#userByEmail(email)) {
      this.#sql.exec(
        'INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, NULL, ?)',
        newId('usr'),
        email,
        new Date().toISOString()
      )
      created = true
    }
    const row = this.#userByEmail(email) as UserRow
    this.#sql.exec(
      'INSERT INTO oidc_identities (issuer, subject, user_id, created_at) VALUES (?, ?, ?, ?)',
      input.issuer,
      input.subject,
      row.id,
      Date.now()
    )
    return { ok: true, user: toUser(row), created }
  }

  /** Remembers an OIDC sign-in started now (expired ones are swept on the way). */
  saveOidcFlow(flow: OidcFlow): void {
    const now = Date.now()
    this.#sql.exec('DELETE FROM oidc_flows WHERE expires_at < ?', now)
    this.#sql.exec(
      'INSERT INTO oidc_flows (state, provider, verifier, nonce, return_to, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
      flow.state,
      flow.provider,
      flow.verifier,
      flow.nonce,
      flow.returnTo,
      now + OIDC_FLOW_TTL_MS
    )
  }

  /** Takes an OIDC flow by its state, once: a replayed callback finds nothing. */
  takeOidcFlow(state: string): OidcFlow | null {
    const row = this.#sql
      .exec<{
        state: string
        provider: string
        verifier: string
        nonce: string
        return_to: string | null
        expires_at: number
      }>('DELETE FROM oidc_flows WHERE state = ? RETURNING *', state)
      .toArray()[0]
    if (!row || row.expires_at < Date.now()) return null
    return {
      state: row.state,
      provider: row.provider,
      verifier: row.verifier,
      nonce: row.nonce,
      returnTo: row.return_to,
    }
  }

  // ---- sessions ------------------------------------------------------------------------

  /** Starts a sign-in session and answers its first refresh token (shown once, stored hashed). */
  async startSession(
    userId: string,
    meta: SessionMeta = {}
  ): Promise<{ sessionId: string; refreshToken: string; expiresAt: number }> {
    const { token, hash } = await newOpaqueToken('tpr')
    const sessionId = newId('ses')
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        'INSERT INTO sessions (id, user_id, created_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?)',
        sessionId,
        userId,
        now,
        now + SESSION_TTL_MS,
        meta.ip ?? null,
        meta.userAgent ?? null
      )
      this.#sql.exec(
        'INSERT INTO refresh_tokens (hash, session_id, issued_at) VALUES (?, ?, ?)',
        hash,
        sessionId,
        now
      )
    })
    return { sessionId, refreshToken: token, expiresAt: now + SESSION_TTL_MS }
  }

  /**
   * Trades a refresh token for the next one (rotation). A token used before is a stolen copy
   * or a replay: the whole session is revoked, so the thief and the owner both sign in again.
   */
  async refresh(
    refreshToken: string
  ): Promise<IdentityResult<{ user: UserRecord; sessionId: string; refreshToken: string }>> {
    const presented = await hashToken(refreshToken)
    const next = await newOpaqueToken('tpr')
    const row = this.#sql
      .exec<{ session_id: string; used_at: number | null }>(
        'SELECT session_id, used_at FROM refresh_tokens WHERE hash = ?',
        presented
      )
      .toArray()[0]
    if (!row) return { ok: false, error: 'invalid_refresh' }
    const session = this.#session(row.session_id)
    const now = Date.now()
    if (!session || session.revoked_at !== null || session.expires_at <= now)
      return { ok: false, error: 'invalid_refresh' }
    if (row.used_at !== null) {
      await this.revokeSession(row.session_id)
      return { ok: false, error: 'invalid_refresh' }
    }
    const user = this.user(session.user_id)
    if (!user) return { ok: false, error: 'invalid_refresh' }
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec('UPDATE refresh_tokens SET used_at = ? WHERE hash = ?', now, presented)
      this.#sql.exec(
        'INSERT INTO refresh_tokens (hash, session_id, issued_at) VALUES (?, ?, ?)',
        next.hash,
        row.session_id,
        now
      )
    })
    return { ok: true, user, sessionId: row.session_id, refreshToken: next.token }
  }

  /**
   * Ends a session: its refresh tokens stop working at once, and its access tokens as soon as
   * the gateway sees the revocation marker (within its cache TTL).
   */
  async revokeSession(sessionId: string): Promise<boolean> {
    const revoked = this.#sql
      .exec(
        'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id',
        Date.now(),
        sessionId
      )
      .toArray().length
    if (revoked)
      await publishHot(this.env, cacheKeys.revokedSession(sessionId), '1', REVOCATION_MARKER_TTL_S)
    return revoked > 0
  }

  /** Revokes every live session of a user (password reset, "sign out everywhere"). */
  async revokeUserSessions(userId: string): Promise<number> {
    const ids = this.#sql
      .exec<{ id: string }>(
        'SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL',
        userId
      )
      .toArray()
      .map((r) => r.id)
    await Promise.all(ids.map((id) => this.revokeSession(id)))
    return ids.length
  }

  /** The session's owner when it is live, else null. */
  sessionUser(sessionId: string): string | null {
    const s = this.#session(sessionId)
    return s && s.revoked_at === null && s.expires_at > Date.now() ? s.user_id : null
  }

  // ---- memberships (mirror) ------------------------------------------------------------

  /** Records (or, with role null, removes) a membership as the tenant's object decided it. */
  setMembership(userId: string, tenantId: string, role: TenantRole | null): void {
    if (role === null)
      this.#sql.exec(
        'DELETE FROM memberships WHERE user_id = ? AND tenant_id = ?',
        userId,
        tenantId
      )
    else
      this.#sql.exec(
        `INSERT INTO memberships (user_id, tenant_id, role) VALUES (?, ?, ?)
         ON CONFLICT (user_id, tenant_id) DO UPDATE SET role = excluded.role`,
        userId,
        tenantId,
        role
      )
  }

  /** The tenants a user belongs to, with their role in each. */
  tenantsOf(userId: string): (TenantInfo & { role: Role })[] {
    return this.#sql
      .exec<{ tenant_id: string; role: Role; slug: string; name: string | null }>(
        `SELECT m.tenant_id, m.role, t.slug, t.name FROM memberships m
         JOIN tenants_by_slug t ON t.tenant_id = m.tenant_id
         WHERE m.user_id = ? ORDER BY t.slug`,
        userId
      )
      .toArray()
      .map((r) => ({ id: r.tenant_id, slug: r.slug, name: r.name ?? r.slug, role: r.role }))
  }

  #userByEmail(email: string): UserRow | undefined {
    return this.#sql.exec<UserRow>('SELECT * FROM users WHERE email = ?', email).toArray()[0]
  }

  #session(id: string) {
    return this.#sql
      .exec<{ user_id: string; expires_at: number; revoked_at: number | null }>(
        'SELECT user_id, expires_at, revoked_at FROM sessions WHERE id = ?',
        id
      )
      .toArray()[0]
  }
}
