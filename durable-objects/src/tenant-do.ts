import { DurableObject } from 'cloudflare:workers'
import {
  PolicyDocument,
  layerError,
  type Actor,
  type ApiKeyCreate,
  type ApiKeyListing,
  type ApiKeyUpdate,
  type Environment,
  type IssuedApiKey,
  type Member,
  type PolicyLayer,
  type PolicyScope,
  type PolicyVersion,
  type PrivacyMode,
  type ResolvedPolicy,
  type TenantRole,
  type BudgetLimits,
  type RateLimits,
} from '@trueport/contracts'
import { generateApiKey } from './lib/api-key'
import { newId, randomBase62 } from './lib/encoding'
import { publishHot } from './lib/hot-cache'
import { hashToken, normalizeEmail } from './lib/identity'
import {
  loadKeyring,
  rewrapToCurrent,
  seal,
  unseal,
  type KekSecrets,
  type Keyring,
  type Sealed,
} from './lib/envelope'
import { applyMigrations } from './lib/sql-migrations'
import { cacheKeys, directoryStub } from './names'
import {
  SYSTEM_ACTOR,
  queryEvents,
  recordEvent,
  type AdminEvent,
  type AdminEventFilter,
} from './tenant/admin-log'
import { TENANT_MIGRATIONS } from './tenant/schema'
import {
  legacyKeyLayer,
  legacyTenantLayer,
  platformLayer,
  resolvePolicy,
  snapshotOf,
  type ApiKeyRow,
  type TenantRow,
} from './tenant/snapshot'

export type { AdminEvent, AdminEventFilter }

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

type MemberRow = { user_id: string; email: string; role: TenantRole; created_at: string }
type InviteRow = {
  id: string
  email: string
  role: TenantRole
  token_hash: string
  invited_by: string
  created_at: string
  expires_at: number
  accepted_at: string | null
  revoked_at: string | null
}

/** A refusal the caller turns into an HTTP error (results, not throws, cross the RPC boundary). */
export type TenantRefusal = {
  ok: false
  error: 'not_found' | 'conflict' | 'last_owner' | 'invalid' | 'forbidden'
  message: string
}
type Result<T> = ({ ok: true } & T) | TenantRefusal
const refuse = (error: TenantRefusal['error'], message: string): TenantRefusal => ({
  ok: false,
  error,
  message,
})

export interface Invite {
  id: string
  email: string
  role: TenantRole
  invitedBy: string
  createdAt: string
  expiresAt: string
  status: 'pending' | 'accepted' | 'revoked' | 'expired'
}

const CREDENTIAL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
const INVITE_TTL_MS = 7 * 24 * 3600_000
const INVITE_TOKEN = /^tpi_(ten_[A-Za-z0-9]{20})_[A-Za-z0-9]{43}$/

const jsonOrNull = (v: object | undefined | null) => (v ? JSON.stringify(v) : null)
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The tenant id an invite token belongs to (it names its tenant), or null for a malformed one. */
export const inviteTenant = (token: string): string | null => INVITE_TOKEN.exec(token)?.[1] ?? null

function listingOf(r: ApiKeyRow, now = Date.now()): ApiKeyListing {
  const expired = r.status === 'active' && r.expires_at !== null && r.expires_at <= now
  return {
    id: r.id,
    name: r.name,
    environment: r.environment,
    prefix: r.prefix,
    status: expired ? 'expired' : r.status,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    expiresAt: iso(r.expires_at),
    ipAllowlist: r.ip_allowlist ? (JSON.parse(r.ip_allowlist) as string[]) : [],
    endpoints: r.endpoints ? (JSON.parse(r.endpoints) as ApiKeyListing['endpoints']) : [],
    rotatedTo: r.rotated_to,
  }
}

const memberOf = (r: MemberRow): Member => ({
  userId: r.user_id,
  email: r.email,
  role: r.role,
  createdAt: r.created_at,
})

function inviteOf(r: InviteRow, now = Date.now()): Invite {
  const status = r.accepted_at
    ? 'accepted'
    : r.revoked_at
      ? 'revoked'
      : r.expires_at <= now
        ? 'expired'
        : 'pending'
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    invitedBy: r.invited_by,
    createdAt: r.created_at,
    expiresAt: new Date(r.expires_at).toISOString(),
    status,
  }
}

/** Merges the create shorthands into the key's own policy layer. */
function keyLayerOf(input: ApiKeyCreate): PolicyDocument | null {
  const doc: PolicyDocument = { ...input.policy }
  if (input.limits)
    doc.rateLimits = { ...doc.rateLimits, perKey: { ...doc.rateLimits?.perKey, ...input.limits } }
  if (input.budget)
    doc.budgets = { ...doc.budgets, perKey: { ...doc.budgets?.perKey, ...input.budget } }
  return Object.keys(doc).length ? doc : null
}

/**
 * One tenant's state in its own SQLite: the tenant record, members and invites, API keys,
 * policy layers with their versions, sealed provider credentials and the append-only admin
 * log. Every change writes its admin event in the same transaction, and every change that
 * affects a key republishes that key's snapshot to the hot-path cache.
 */
export class TenantDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    // SQLite calls are synchronous and the constructor finishes before any request is
    // delivered, so migrating here needs no blockConcurrencyWhile.
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, TENANT_MIGRATIONS))
  }

  get #sql() {
    return this.ctx.storage.sql
  }

  /** Runs `change` and its admin event atomically. */
  #change<T>(
    actor: Actor,
    action: string,
    target: { type: string; id: string },
    change: () => { before?: unknown; after?: unknown; value: T }
  ): T {
    return this.ctx.storage.transactionSync(() => {
      const { before, after, value } = change()
      recordEvent(this.#sql, actor, action, target, before, after)
      return value
    })
  }

  // ---- tenant --------------------------------------------------------------------------

  /**
   * Records the tenant's identity; a second call with the same id is a no-op. An object that
   * already holds another tenant answers `conflict` (a result, not a throw: the caller decides
   * how to report it, and RPC exceptions are noisy across the DO boundary). Initial limits,
   * budget and privacy become version 1 of the tenant's policy.
   */
  init(
    tenant: {
      id: string
      slug: string
      name: string
      limits?: Partial<RateLimits> | undefined
      budget?: Partial<BudgetLimits> | undefined
      privacy?: PrivacyMode | undefined
    },
    actor: Actor = SYSTEM_ACTOR
  ): { created: boolean; conflict?: true } {
    const existing = this.#sql.exec<{ id: string }>('SELECT id FROM tenant LIMIT 1').toArray()[0]
    if (existing) {
      return existing.id === tenant.id ? { created: false } : { created: false, conflict: true }
    }
    const policy: PolicyDocument = {
      ...(tenant.limits ? { rateLimits: { perTenant: tenant.limits } } : {}),
      ...(tenant.budget ? { budgets: { perTenant: tenant.budget } } : {}),
      ...(tenant.privacy ? { logging: { privacy: tenant.privacy } } : {}),
    }
    this.#change(actor, 'tenant.created', { type: 'tenant', id: tenant.id }, () => {
      this.#sql.exec(
        'INSERT INTO tenant (id, slug, name, created_at) VALUES (?, ?, ?, ?)',
        tenant.id,
        tenant.slug,
        tenant.name,
        new Date().toISOString()
      )
      if (Object.keys(policy).length) this.#insertPolicy('tenant', policy, actor)
      return { after: { slug: tenant.slug, name: tenant.name, policy }, value: undefined }
    })
    return { created: true }
  }

  info(): { id: string; slug: string; name: string } | null {
    const t = this.#sql.exec<TenantRow>('SELECT * FROM tenant LIMIT 1').toArray()[0]
    return t ? { id: t.id, slug: t.slug, name: t.name } : null
  }

  // ---- members and invites -------------------------------------------------------------

  listMembers(): Member[] {
    return this.#sql
      .exec<MemberRow>('SELECT * FROM members ORDER BY created_at, user_id')
      .toArray()
      .map(memberOf)
  }

  member(userId: string): Member | null {
    const row = this.#sql
      .exec<MemberRow>('SELECT * FROM members WHERE user_id = ?', userId)
      .toArray()[0]
    return row ? memberOf(row) : null
  }

  /** Adds a member (an existing member keeps the role it has). */
  async addMember(
    actor: Actor,
    input: { userId: string; email: string; role: TenantRole }
  ): Promise<{ member: Member; created: boolean }> {
    const existing = this.member(input.userId)
    if (existing) return { member: existing, created: false }
    const member = this.#change(actor, 'member.added', { type: 'member', id: input.userId }, () => {
      this.#sql.exec(
        'INSERT INTO members (user_id, email, role, created_at) VALUES (?, ?, ?, ?)',
        input.userId,
        normalizeEmail(input.email),
        input.role,
        new Date().toISOString()
      )
      const m = this.member(input.userId) as Member
      return { after: m, value: m }
    })
    await this.#mirror(input.userId, input.role)
    return { member, created: true }
  }

  /** Changes a member's role; the last owner cannot be demoted. */
  async changeRole(
    actor: Actor,
    userId: string,
    role: TenantRole
  ): Promise<Result<{ member: Member }>> {
    const before = this.member(userId)
    if (!before) return refuse('not_found', 'no such member in this tenant')
    if (before.role === 'owner' && role !== 'owner' && this.#owners() <= 1)
      return refuse('last_owner', 'the last owner cannot be demoted: make another owner first')
    const member = this.#change(
      actor,
      'member.role_changed',
      { type: 'member', id: userId },
      () => {
        this.#sql.exec('UPDATE members SET role = ? WHERE user_id = ?', role, userId)
        const m = this.member(userId) as Member
        return { before, after: m, value: m }
      }
    )
    await this.#mirror(userId, role)
    return { ok: true, member }
  }

  /** Removes a member; the last owner cannot be removed. */
  async removeMember(actor: Actor, userId: string): Promise<Result<object>> {
    const before = this.member(userId)
    if (!before) return refuse('not_found', 'no such member in this tenant')
    if (before.role === 'owner' && this.#owners() <= 1)
      return refuse('last_owner', 'the last owner cannot be removed')
    this.#change(actor, 'member.removed', { type: 'member', id: userId }, () => {
      this.#sql.exec('DELETE FROM members WHERE user_id = ?', userId)
      return { before, value: undefined }
    })
    await this.#mirror(userId, null)
    return { ok: true }
  }

  /** Invites an email with a role; answers the token once (mailed by the caller). */
  async createInvite(
    actor: Actor,
    input: { email: string; role: TenantRole }
  ): Promise<Result<{ invite: Invite; token: string }>> {
    const tenant = this.#tenant()
    const email = normalizeEmail(input.email)
    if (this.#sql.exec('SELECT 1 FROM members WHERE email = ?', email).toArray().length)
      return refuse('conflict', `${email} is already a member`)
    const token = `tpi_${tenant.id}_${randomBase62(43)}`
    const tokenHash = await hashToken(token)
    const id = newId('inv')
    const invite = this.#change(actor, 'invite.created', { type: 'invite', id }, () => {
      // A new invite for the same email replaces a pending one.
      this.#sql.exec(
        `UPDATE invites SET revoked_at = ? WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
        new Date().toISOString(),
        email
      )
      this.#sql.exec(
        `INSERT INTO invites (id, email, role, token_hash, invited_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        id,
        email,
        input.role,
        tokenHash,
        actor.userId,
        new Date().toISOString(),
        Date.now() + INVITE_TTL_MS
      )
      const inv = this.#invite(id) as Invite
      return { after: inv, value: inv }
    })
    return { ok: true, invite, token }
  }

  listInvites(): Invite[] {
    return this.#sql
      .exec<InviteRow>('SELECT * FROM invites ORDER BY created_at DESC')
      .toArray()
      .map((r) => inviteOf(r))
  }

  revokeInvite(actor: Actor, id: string): Result<{ invite: Invite }> {
    const before = this.#invite(id)
    if (!before || before.status !== 'pending')
      return refuse('not_found', 'no pending invite with this id')
    const invite = this.#change(actor, 'invite.revoked', { type: 'invite', id }, () => {
      this.#sql.exec('UPDATE invites SET revoked_at = ? WHERE id = ?', new Date().toISOString(), id)
      const inv = this.#invite(id) as Invite
      return { before, after: inv, value: inv }
    })
    return { ok: true, invite }
  }

  /** The pending invite a token names (email and role), or null. */
  async peekInvite(token: string): Promise<{ email: string; role: TenantRole } | null> {
    const hash = await hashToken(token)
    const row = this.#sql
      .exec<InviteRow>('SELECT * FROM invites WHERE token_hash = ?', hash)
      .toArray()[0]
    return row && inviteOf(row).status === 'pending' ? { email: row.email, role: row.role } : null
  }

  /**
   * Accepts an invite for `user`, whose email must be the invited one (the caller has proven
   * the user controls it: signed in, or created with the invite token just now).
   */
  async acceptInvite(
    token: string,
    user: { id: string; email: string }
  ): Promise<Result<{ member: Member; tenant: { id: string; slug: string; name: string } }>> {
    const hash = await hashToken(token)
    const row = this.#sql
      .exec<InviteRow>('SELECT * FROM invites WHERE token_hash = ?', hash)
      .toArray()[0]
    if (!row || inviteOf(row).status !== 'pending')
      return refuse('not_found', 'this invite is not valid (used, revoked or expired)')
    if (normalizeEmail(user.email) !== row.email)
      return refuse('forbidden', 'this invite was sent to another email address')
    const actor: Actor = { userId: user.id, email: row.email }
    const existing = this.member(user.id)
    const member = this.#change(actor, 'invite.accepted', { type: 'invite', id: row.id }, () => {
      this.#sql.exec(
        'UPDATE invites SET accepted_at = ? WHERE id = ?',
        new Date().toISOString(),
        row.id
      )
      if (!existing)
        this.#sql.exec(
          'INSERT INTO members (user_id, email, role, created_at) VALUES (?, ?, ?, ?)',
          user.id,
          row.email,
          row.role,
          new Date().toISOString()
        )
      const m = this.member(user.id) as Member
      return { after: m, value: m }
    })
    await this.#mirror(user.id, member.role as TenantRole)
    const t = this.#tenant()
    return { ok: true, member, tenant: { id: t.id, slug: t.slug, name: t.name } }
  }

  /** Makes sure `userId` is an owner (bootstrap): a member keeps its role unless it has none. */
  async ensureOwner(
    user: { id: string; email: string },
    actor: Actor = SYSTEM_ACTOR
  ): Promise<{ userId: string; created: boolean }> {
    const r = await this.addMember(actor, { userId: user.id, email: user.email, role: 'owner' })
    return { userId: user.id, created: r.created }
  }

  // ---- API keys ------------------------------------------------------------------------

  /**
   * Issues a key and publishes its snapshot to the hot-path cache. The secret is returned here
   * once and exists nowhere else: storage keeps only its SHA-256.
   */
  async issueApiKey(
    input: ApiKeyCreate & { environment: Environment },
    actor: Actor = SYSTEM_ACTOR
  ): Promise<IssuedApiKey> {
    this.#tenant()
    const generated = await generateApiKey(input.environment)
    const id = newId('key')
    const createdAt = new Date().toISOString()
    const layer = keyLayerOf(input)
    const row = this.#change(actor, 'api_key.created', { type: 'api_key', id }, () => {
      this.#sql.exec(
        `INSERT INTO api_keys (id, name, environment, prefix, hash, status, created_at, expires_at, ip_allowlist, endpoints)
         VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
        id,
        input.name,
        input.environment,
        generated.prefix,
        generated.hash,
        createdAt,
        input.expiresAt ? Date.parse(input.expiresAt) : null,
        jsonOrNull(input.ipAllowlist),
        jsonOrNull(input.endpoints)
      )
      if (layer) this.#insertPolicy(`key:${id}`, layer, actor)
      const r = this.#key(id) as ApiKeyRow
      return { after: { ...listingOf(r), policy: layer }, value: r }
    })
    await this.#publishKey(row)
    return {
      id,
      name: input.name,
      environment: input.environment,
      prefix: generated.prefix,
      key: generated.key,
      createdAt,
    }
  }

  /** Changes a key's name, expiry, IP allowlist or endpoints, and republishes it. */
  async updateApiKey(
    actor: Actor,
    keyId: string,
    patch: ApiKeyUpdate
  ): Promise<Result<{ key: ApiKeyListing }>> {
    const before = this.#key(keyId)
    if (!before || before.status !== 'active')
      return refuse('not_found', 'no active API key with this id')
    const row = this.#change(actor, 'api_key.updated', { type: 'api_key', id: keyId }, () => {
      this.#sql.exec(
        `UPDATE api_keys SET name = ?, expires_at = ?, ip_allowlist = ?, endpoints = ? WHERE id = ?`,
        patch.name ?? before.name,
        patch.expiresAt === undefined
          ? before.expires_at
          : patch.expiresAt === null
            ? null
            : Date.parse(patch.expiresAt),
        patch.ipAllowlist === undefined ? before.ip_allowlist : jsonOrNull(patch.ipAllowlist),
        patch.endpoints === undefined ? before.endpoints : jsonOrNull(patch.endpoints),
        keyId
      )
      const r = this.#key(keyId) as ApiKeyRow
      return { before: listingOf(before), after: listingOf(r), value: r }
    })
    await this.#publishKey(row)
    return { ok: true, key: listingOf(row) }
  }

  /**
   * Rotation: a new key with the same settings and policy now; the old one keeps working for
   * `graceSeconds` (its snapshot carries the deadline, so no timer is needed), or is revoked
   * at once with 0.
   */
  async rotateApiKey(
    actor: Actor,
    keyId: string,
    graceSeconds: number
  ): Promise<Result<{ issued: IssuedApiKey; previous: ApiKeyListing }>> {
    const old = this.#key(keyId)
    if (!old || old.status !== 'active' || old.rotated_to)
      return refuse('not_found', 'no active, unrotated API key with this id')
    const layer = this.#currentPolicy(`key:${keyId}`)?.document
    const issued = await this.issueApiKey(
      {
        name: old.name,
        environment: old.environment,
        ...(layer ? { policy: layer } : {}),
        ...(old.expires_at ? { expiresAt: new Date(old.expires_at).toISOString() } : {}),
        ...(old.ip_allowlist ? { ipAllowlist: JSON.parse(old.ip_allowlist) as string[] } : {}),
        ...(old.endpoints
          ? { endpoints: JSON.parse(old.endpoints) as ApiKeyListing['endpoints'] }
          : {}),
      },
      actor
    )
    const deadline = Date.now() + graceSeconds * 1000
    const row = this.#change(actor, 'api_key.rotated', { type: 'api_key', id: keyId }, () => {
      if (graceSeconds === 0)
        this.#sql.exec(
          "UPDATE api_keys SET status = 'revoked', revoked_at = ?, rotated_to = ? WHERE id = ?",
          new Date().toISOString(),
          issued.id,
          keyId
        )
      else
        this.#sql.exec(
          'UPDATE api_keys SET expires_at = min(coalesce(expires_at, ?), ?), rotated_to = ? WHERE id = ?',
          deadline,
          deadline,
          issued.id,
          keyId
        )
      const r = this.#key(keyId) as ApiKeyRow
      return { before: listingOf(old), after: listingOf(r), value: r }
    })
    await this.#publishKey(row)
    return { ok: true, issued, previous: listingOf(row) }
  }

  /** Revokes a key and overwrites its cached snapshot; returns false for an unknown key. */
  async revokeApiKey(keyId: string, actor: Actor = SYSTEM_ACTOR): Promise<boolean> {
    const before = this.#key(keyId)
    if (!before) return false
    const row = this.#change(actor, 'api_key.revoked', { type: 'api_key', id: keyId }, () => {
      this.#sql.exec(
        "UPDATE api_keys SET status = 'revoked', revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
        new Date().toISOString(),
        keyId
      )
      const r = this.#key(keyId) as ApiKeyRow
      return { before: listingOf(before), after: listingOf(r), value: r }
    })
    await this.#publishKey(row)
    return true
  }

  /**
   * Holds a key on the analytics service's signal (or an admin's word): the gateway refuses it
   * with 403 until released. Revoked keys stay revoked.
   */
  async quarantineApiKey(
    actor: Actor,
    keyId: string,
    reason: string
  ): Promise<Result<{ key: ApiKeyListing }>> {
    const before = this.#key(keyId)
    if (!before || before.status === 'revoked')
      return refuse('not_found', 'no live API key with this id')
    if (before.status === 'quarantined') return { ok: true, key: listingOf(before) }
    const row = this.#change(actor, 'api_key.quarantined', { type: 'api_key', id: keyId }, () => {
      this.#sql.exec(
        "UPDATE api_keys SET status = 'quarantined', quarantined_at = ? WHERE id = ?",
        new Date().toISOString(),
        keyId
      )
      const r = this.#key(keyId) as ApiKeyRow
      return { before: listingOf(before), after: { ...listingOf(r), reason }, value: r }
    })
    await this.#publishKey(row)
    return { ok: true, key: listingOf(row) }
  }

  /** Releases a quarantined key. */
  async releaseApiKey(actor: Actor, keyId: string): Promise<Result<{ key: ApiKeyListing }>> {
    const before = this.#key(keyId)
    if (!before || before.status !== 'quarantined')
      return refuse('not_found', 'no quarantined API key with this id')
    const row = this.#change(actor, 'api_key.released', { type: 'api_key', id: keyId }, () => {
      this.#sql.exec(
        "UPDATE api_keys SET status = 'active', quarantined_at = NULL WHERE id = ?",
        keyId
      )
      const r = this.#key(keyId) as ApiKeyRow
      return { before: listingOf(before), after: listingOf(r), value: r }
    })
    await this.#publishKey(row)
    return { ok: true, key: listingOf(row) }
  }

  /**
   * Adds the analytics service's counts (per day, detector and severity) for the dashboard;
   * a summary id seen before adds nothing (answers false).
   */
  addViolationCounts(
    summaryId: string,
    rows: { day: string; detector: string; severity: string; count: number }[]
  ): boolean {
    return this.ctx.storage.transactionSync(() => {
      const fresh = this.#sql
        .exec(
          'INSERT INTO summaries_seen (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING RETURNING id',
          summaryId,
          new Date().toISOString()
        )
        .toArray().length
      if (!fresh) return false
      for (const r of rows)
        this.#sql.exec(
          `INSERT INTO violation_counts (day, detector, severity, count) VALUES (?, ?, ?, ?)
           ON CONFLICT (day, detector, severity) DO UPDATE SET count = count + excluded.count`,
          r.day,
          r.detector,
          r.severity,
          r.count
        )
      return true
    })
  }

  violationCounts(
    from: string,
    to: string
  ): { day: string; detector: string; severity: string; count: number }[] {
    return this.#sql
      .exec<{ day: string; detector: string; severity: string; count: number }>(
        'SELECT day, detector, severity, count FROM violation_counts WHERE day >= ? AND day <= ? ORDER BY day, detector, severity',
        from,
        to
      )
      .toArray()
  }

  /** All keys of the tenant, newest first, without secrets or hashes. */
  listApiKeys(): ApiKeyListing[] {
    const now = Date.now()
    return this.#sql
      .exec<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id')
      .toArray()
      .map((r) => listingOf(r, now))
  }

  apiKey(keyId: string): ApiKeyListing | null {
    const r = this.#key(keyId)
    return r ? listingOf(r) : null
  }

  // ---- policies ------------------------------------------------------------------------

  /**
   * Stores a new version of one policy layer and republishes every key it governs. The
   * document is validated again here: the object trusts no caller with its invariants.
   */
  async setPolicy(
    actor: Actor,
    scope: PolicyScope,
    document: unknown
  ): Promise<Result<{ policy: PolicyVersion; republished: number }>> {
    const parsed = PolicyDocument.safeParse(document)
    if (!parsed.success) return refuse('invalid', parsed.error.message)
    const why = layerError(scope, parsed.data)
    if (why) return refuse('invalid', why)
    if (scope.startsWith('key:') && !this.#key(scope.slice(4)))
      return refuse('not_found', 'no API key with this id')
    const before = this.#currentPolicy(scope)
    const policy = this.#change(actor, 'policy.updated', { type: 'policy', id: scope }, () => {
      this.#insertPolicy(scope, parsed.data, actor)
      const p = this.#currentPolicy(scope) as PolicyVersion
      return { before: before ?? undefined, after: p, value: p }
    })
    const keys = this.#keysGovernedBy(scope)
    await Promise.all(keys.map((k) => this.#publishKey(k)))
    return { ok: true, policy, republished: keys.length }
  }

  /** The layer in force at `scope` (null when never set), or its whole history. */
  policy(scope: PolicyScope): PolicyVersion | null {
    return this.#currentPolicy(scope)
  }

  policyHistory(scope: PolicyScope): PolicyVersion[] {
    return this.#sql
      .exec<{
        scope: PolicyScope
        version: number
        document: string
        author: string
        created_at: string
      }>('SELECT * FROM policy_versions WHERE scope = ? ORDER BY version DESC', scope)
      .toArray()
      .map((r) => ({
        scope: r.scope,
        version: r.version,
        document: JSON.parse(r.document) as PolicyDocument,
        author: r.author,
        createdAt: r.created_at,
      }))
  }

  /** What governs a key (or, without one, a new key in `environment`) after every layer. */
  resolvedPolicy(
    target: { keyId: string } | { environment: Environment }
  ): Result<{ policy: ResolvedPolicy }> {
    if ('keyId' in target) {
      const key = this.#key(target.keyId)
      if (!key) return refuse('not_found', 'no API key with this id')
      return { ok: true, policy: this.#resolve(key.environment, key) }
    }
    return { ok: true, policy: this.#resolve(target.environment) }
  }

  // ---- provider credentials ------------------------------------------------------------

  /**
   * Stores (or replaces) a provider key for this tenant, sealed under the current KEK. Answers
   * the listing, never the secret.
   */
  async setProviderCredential(
    input: { name: string; provider: string; secret: string },
    actor: Actor = SYSTEM_ACTOR
  ): Promise<{ ok: true; credential: ProviderCredentialListing } | { ok: false; error: string }> {
    if (!CREDENTIAL_NAME.test(input.name))
      return { ok: false, error: 'a credential name is lowercase letters, digits and dashes' }
    if (input.secret.length < 8) return { ok: false, error: 'the secret is too short to be a key' }
    const ring = await loadKeyring(this.env as unknown as KekSecrets)
    const sealed = await seal(input.secret, ring.current)
    const now = new Date().toISOString()
    const before = this.#credential(input.name)
    const listed = this.#change(
      actor,
      'credential.set',
      { type: 'credential', id: input.name },
      () => {
        this.#sql.exec(
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
        const c = this.#credential(input.name) as ProviderCredentialListing
        return { before: before ?? undefined, after: c, value: c }
      }
    )
    return { ok: true, credential: listed }
  }

  listProviderCredentials(): ProviderCredentialListing[] {
    return this.#sql
      .exec<CredentialRow>('SELECT * FROM provider_credentials ORDER BY name')
      .toArray()
      .map(credentialOf)
  }

  /** The secret itself, for the gateway's use; null for an unknown name. `ring` is for tests. */
  async providerCredential(name: string, ring?: Keyring): Promise<string | null> {
    const row = this.#sql
      .exec<CredentialRow>('SELECT * FROM provider_credentials WHERE name = ?', name)
      .toArray()[0]
    if (!row) return null
    const keys = ring ?? (await loadKeyring(this.env as unknown as KekSecrets))
    return unseal(JSON.parse(row.sealed) as Sealed, keys.all)
  }

  deleteProviderCredential(name: string, actor: Actor = SYSTEM_ACTOR): boolean {
    const before = this.#credential(name)
    if (!before) return false
    this.#change(actor, 'credential.deleted', { type: 'credential', id: name }, () => {
      this.#sql.exec('DELETE FROM provider_credentials WHERE name = ?', name)
      return { before, value: undefined }
    })
    return true
  }

  /**
   * Re-wraps every stored credential under the current KEK: run after CREDENTIALS_KEK was
   * rotated (the old one in CREDENTIALS_KEK_PREVIOUS until this has run everywhere). The values
   * themselves are not decrypted. `ring` is for tests.
   */
  async rotateCredentials(
    ring?: Keyring,
    actor: Actor = SYSTEM_ACTOR
  ): Promise<{ rewrapped: number; total: number }> {
    const keys = ring ?? (await loadKeyring(this.env as unknown as KekSecrets))
    const rows = this.#sql.exec<CredentialRow>('SELECT * FROM provider_credentials').toArray()
    const updates: [string, string][] = []
    for (const r of rows) {
      const { sealed, changed } = await rewrapToCurrent(JSON.parse(r.sealed) as Sealed, keys)
      if (changed) updates.push([r.name, JSON.stringify(sealed)])
    }
    this.#change(actor, 'credentials.rewrapped', { type: 'kek', id: keys.current.id }, () => {
      for (const [name, sealed] of updates)
        this.#sql.exec('UPDATE provider_credentials SET sealed = ? WHERE name = ?', sealed, name)
      return { after: { rewrapped: updates.map(([n]) => n) }, value: undefined }
    })
    return { rewrapped: updates.length, total: rows.length }
  }

  // ---- admin log -----------------------------------------------------------------------

  /** Records a change made elsewhere on the tenant's behalf (its audit configuration, say). */
  recordAdminEvent(
    actor: Actor,
    action: string,
    target: { type: string; id: string },
    before: unknown,
    after: unknown
  ): void {
    recordEvent(this.#sql, actor, action, target, before, after)
  }

  adminEvents(filter: AdminEventFilter): { lines: string[]; next: number | null } {
    return queryEvents(this.#sql, filter)
  }

  // ---- internals -----------------------------------------------------------------------

  #tenant(): TenantRow {
    const row = this.#sql.exec<TenantRow>('SELECT * FROM tenant LIMIT 1').toArray()[0]
    if (!row) throw new Error('tenant object is not initialised')
    return row
  }

  #key(id: string): ApiKeyRow | undefined {
    return this.#sql.exec<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?', id).toArray()[0]
  }

  #invite(id: string): Invite | null {
    const row = this.#sql.exec<InviteRow>('SELECT * FROM invites WHERE id = ?', id).toArray()[0]
    return row ? inviteOf(row) : null
  }

  #credential(name: string): ProviderCredentialListing | null {
    const row = this.#sql
      .exec<CredentialRow>('SELECT * FROM provider_credentials WHERE name = ?', name)
      .toArray()[0]
    return row ? credentialOf(row) : null
  }

  #owners(): number {
    return this.#sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM members WHERE role = 'owner'")
      .one().n
  }

  #insertPolicy(scope: PolicyScope, document: PolicyDocument, actor: Actor): void {
    this.#sql.exec(
      `INSERT INTO policy_versions (scope, version, document, author, created_at)
       VALUES (?, coalesce((SELECT max(version) FROM policy_versions WHERE scope = ?), 0) + 1, ?, ?, ?)`,
      scope,
      scope,
      JSON.stringify(document),
      actor.email ?? actor.userId,
      new Date().toISOString()
    )
  }

  #currentPolicy(scope: PolicyScope): PolicyVersion | null {
    return this.policyHistory(scope)[0] ?? null
  }

  #layer(scope: PolicyScope): PolicyLayer[] {
    const p = this.#currentPolicy(scope)
    return p ? [{ scope, version: p.version, document: p.document }] : []
  }

  #resolve(environment: Environment, key?: ApiKeyRow): ResolvedPolicy {
    const tenant = this.#tenant()
    return resolvePolicy([
      ...platformLayer((this.env as unknown as { PLATFORM_POLICY?: string }).PLATFORM_POLICY),
      ...legacyTenantLayer(tenant),
      ...this.#layer('tenant'),
      ...this.#layer(`env:${environment}`),
      ...(key ? [...legacyKeyLayer(key), ...this.#layer(`key:${key.id}`)] : []),
    ])
  }

  #keysGovernedBy(scope: PolicyScope): ApiKeyRow[] {
    const active = "status IN ('active', 'quarantined')"
    if (scope === 'tenant')
      return this.#sql.exec<ApiKeyRow>(`SELECT * FROM api_keys WHERE ${active}`).toArray()
    if (scope.startsWith('env:'))
      return this.#sql
        .exec<ApiKeyRow>(
          `SELECT * FROM api_keys WHERE ${active} AND environment = ?`,
          scope.slice(4)
        )
        .toArray()
    return this.#sql
      .exec<ApiKeyRow>(`SELECT * FROM api_keys WHERE ${active} AND id = ?`, scope.slice(4))
      .toArray()
  }

  /**
   * Publishes a key's snapshot. The change behind it is already committed, so a cache that
   * cannot be reached does not fail the change: the key is queued and the alarm retries it
   * (1 s, doubling to a minute) until the cache has the snapshot.
   */
  async #publishKey(key: ApiKeyRow): Promise<void> {
    const snapshot = snapshotOf(key, this.#tenant().id, this.#resolve(key.environment, key))
    try {
      await publishHot(this.env, cacheKeys.apiKey(key.hash), JSON.stringify(snapshot))
      this.#sql.exec('DELETE FROM unpublished WHERE key_id = ?', key.id)
    } catch (err) {
      console.error(JSON.stringify({ publish: 'failed', keyId: key.id, error: String(err) }))
      this.#sql.exec(
        `INSERT INTO unpublished (key_id) VALUES (?)
         ON CONFLICT (key_id) DO UPDATE SET attempts = attempts + 1`,
        key.id
      )
      const attempts = this.#sql
        .exec<{ n: number }>('SELECT max(attempts) AS n FROM unpublished')
        .one().n
      const due = Date.now() + Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6))
      const alarm = await this.ctx.storage.getAlarm()
      if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due)
    }
  }

  /** Retries the snapshots that could not be published. */
  override async alarm(): Promise<void> {
    const ids = this.#sql.exec<{ key_id: string }>('SELECT key_id FROM unpublished').toArray()
    for (const { key_id } of ids) {
      const key = this.#key(key_id)
      if (key) await this.#publishKey(key)
      else this.#sql.exec('DELETE FROM unpublished WHERE key_id = ?', key_id)
    }
  }

  /** How many snapshots wait to be published (0 when the cache has every change). */
  unpublishedCount(): number {
    return this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM unpublished').one().n
  }

  /** Keeps the directory's membership mirror in step (the user's list of tenants). */
  async #mirror(userId: string, role: TenantRole | null): Promise<void> {
    await directoryStub(this.env).setMembership(userId, this.#tenant().id, role)
  }
}

function credentialOf(r: CredentialRow): ProviderCredentialListing {
  return {
    name: r.name,
    provider: r.provider,
    hint: r.hint,
    kek: (JSON.parse(r.sealed) as Sealed).kek,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}
