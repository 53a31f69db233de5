import { DurableObject } from 'cloudflare:workers'
import {
  assertTenantKey,
  batchKey,
  encodeBatch,
  encodeManifest,
  manifestKey,
  periodEnd,
  periodOf,
  r2Store,
  s3FetchStore,
  signerFromJwk,
  tenantPrefix,
  type AuditSigner,
  type ObjectStore,
} from '@trueport/audit'
import type { AuditDestinations } from '@trueport/contracts'
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

const MIGRATIONS: readonly Migration[] = [
  [
    // Records accepted and not yet in a batch, in arrival order.
    `CREATE TABLE pending (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       at INTEGER NOT NULL,
       line TEXT NOT NULL
     )`,
    // The chain. A batch's bytes are fixed when it is made and kept until every destination
    // has them, so a retry writes the same object again: nothing enters the chain twice.
    `CREATE TABLE batches (
       seq INTEGER PRIMARY KEY,
       period TEXT NOT NULL,
       sha256 TEXT NOT NULL,
       count INTEGER NOT NULL,
       body BLOB,
       created_at INTEGER NOT NULL,
       r2_at INTEGER,
       tenant_at INTEGER,
       attempts INTEGER NOT NULL DEFAULT 0,
       next_try INTEGER NOT NULL DEFAULT 0,
       last_error TEXT
     )`,
    'CREATE INDEX batches_period ON batches (period)',
    // Ids of records already in a batch, so an append retried after its batch was made is
    // still recognised.
    'CREATE TABLE seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
    `CREATE TABLE manifests (
       period TEXT PRIMARY KEY,
       body BLOB,
       r2_at INTEGER,
       tenant_at INTEGER,
       attempts INTEGER NOT NULL DEFAULT 0,
       next_try INTEGER NOT NULL DEFAULT 0
     )`,
    'CREATE TABLE config (k TEXT PRIMARY KEY, v TEXT NOT NULL)',
  ],
  // Usage and cost per hour, key and model, counted when a record is first accepted (so a
  // re-appended record is never counted twice).
  [
    `CREATE TABLE usage_hourly (
       hour TEXT NOT NULL,
       key_id TEXT NOT NULL,
       model TEXT NOT NULL,
       requests INTEGER NOT NULL DEFAULT 0,
       errors INTEGER NOT NULL DEFAULT 0,
       prompt_tokens INTEGER NOT NULL DEFAULT 0,
       completion_tokens INTEGER NOT NULL DEFAULT 0,
       cost_micro_usd INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (hour, key_id, model)
     )`,
  ],
]

/** What one record adds to the usage rollups (the gateway summarises; the object never parses lines). */
export interface UsageDelta {
  /** `YYYY-MM-DDTHH` (UTC) of the request. */
  hour: string
  keyId: string
  /** The model served (or asked for); '' when none. */
  model: string
  error: boolean
  promptTokens: number
  completionTokens: number
  costMicroUsd: number
}

export type UsageDimension = 'hour' | 'key' | 'model'

export interface UsageRow {
  hour?: string
  keyId?: string
  model?: string
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  costMicroUsd: number
}

const USAGE_COLUMNS: Record<UsageDimension, string> = {
  hour: 'hour',
  key: 'key_id',
  model: 'model',
}

/** A batch is made once this many records wait, or FLUSH_MS after the first one arrived. */
export const MAX_BATCH = 500
export const FLUSH_MS = 1000
/** Ids stay recognisable this long after their batch (appends are retried within seconds). */
const SEEN_TTL_MS = 7 * 24 * 3600_000

/** A tenant's own S3-compatible bucket; the secret is stored sealed under the KEK. */
export interface TenantBucket {
  endpoint?: string | undefined
  region: string
  bucket: string
  prefix?: string | undefined
  forcePathStyle?: boolean | undefined
  accessKeyId: string
  secretAccessKey: string
}

interface StoredConfig {
  tenantId: string
  destinations: AuditDestinations
  bucket?: Omit<TenantBucket, 'secretAccessKey'> & { secret: Sealed }
  /** Told (best effort) about each new batch: the analytics box's push endpoint. */
  notifyUrl?: string
}

/** Secrets the audit trail needs (not in wrangler.toml, so not in the generated Env). */
interface AuditSecrets extends KekSecrets {
  /** Private EC P-256 JWK (JSON) that signs batch headers and manifests. */
  AUDIT_SIGNING_KEY?: string
}

export type AppendResult = { accepted: number; duplicates: number }

export interface AuditStatus {
  pending: number
  /** Records in the chain (in batches, delivered or not). */
  records: number
  batches: number
  undelivered: number
  lastSeq: number
  lastError: string | null
}

type Destination = 'r2' | 'tenant'

/**
 * A fault drill: `AUDIT_FAULT_DRILL="r2=0.3,tenant=0.25"` makes that share of writes to each
 * destination fail, to rehearse (and test) an outage. Ignored in staging and production.
 */
function faultDrill(env: Env): Partial<Record<Destination, number>> {
  const vars = env as unknown as { AUDIT_FAULT_DRILL?: string; ENVIRONMENT?: string }
  if (!vars.AUDIT_FAULT_DRILL || ['staging', 'production'].includes(vars.ENVIRONMENT ?? ''))
    return {}
  const out: Partial<Record<Destination, number>> = {}
  for (const part of vars.AUDIT_FAULT_DRILL.split(',')) {
    const [d, share] = part.split('=')
    if ((d === 'r2' || d === 'tenant') && Number(share) > 0) out[d] = Number(share)
  }
  return out
}

function failingShare(store: ObjectStore, share: number): ObjectStore {
  return {
    ...store,
    put: (key, body, meta) =>
      Math.random() < share
        ? Promise.reject(new Error('fault drill: write refused'))
        : store.put(key, body, meta),
  }
}

const backoff = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6))

/**
 * One tenant's audit spool and chain (name from `objectNames.audit`). The gateway appends
 * records off the response path; they are durable here from that moment. An alarm turns them
 * into signed, hash-chained, gzip NDJSON batches and writes each to R2 and/or the tenant's own
 * bucket, retrying with backoff while storage fails; once an hour is over, a signed manifest of
 * its batches follows. The object format is @trueport/audit's.
 */
export class AuditDO extends DurableObject<Env> {
  #flushing: Promise<void> | undefined
  #signer: Promise<AuditSigner> | undefined
  /** For fault drills and tests: wraps each destination store before use. */
  wrapStore: ((store: ObjectStore, destination: Destination) => ObjectStore) | undefined

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.storage.transactionSync(() => applyMigrations(ctx.storage.sql, MIGRATIONS))
  }

  get #secrets(): AuditSecrets {
    return this.env as unknown as AuditSecrets
  }

  #config(): StoredConfig | undefined {
    const row = this.ctx.storage.sql
      .exec<{ v: string }>("SELECT v FROM config WHERE k = 'config'")
      .toArray()[0]
    return row ? (JSON.parse(row.v) as StoredConfig) : undefined
  }

  #keyring(): Promise<Keyring> {
    return loadKeyring(this.#secrets)
  }

  /**
   * Re-wraps the stored bucket secret under the current KEK (after CREDENTIALS_KEK was rotated
   * and the old one moved to CREDENTIALS_KEK_PREVIOUS). `ring` is for tests.
   */
  async rotateCredentials(ring?: Keyring): Promise<{ rewrapped: number }> {
    const config = this.#config()
    if (!config?.bucket) return { rewrapped: 0 }
    const { sealed, changed } = await rewrapToCurrent(
      config.bucket.secret,
      ring ?? (await this.#keyring())
    )
    if (!changed) return { rewrapped: 0 }
    config.bucket.secret = sealed
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO config (k, v) VALUES ('config', ?)",
      JSON.stringify(config)
    )
    return { rewrapped: 1 }
  }

  /**
   * Sets where this tenant's records go. A bucket's secret is sealed before it is stored; the
   * answer never contains it.
   */
  async configure(input: {
    tenantId: string
    destinations: AuditDestinations
    bucket?: TenantBucket | undefined
    notifyUrl?: string | undefined
  }): Promise<{ ok: true } | { ok: false; error: string }> {
    const current = this.#config()
    if (current && current.tenantId !== input.tenantId)
      return { ok: false, error: 'this audit object belongs to another tenant' }
    if (input.destinations !== 'r2' && !input.bucket)
      return { ok: false, error: `destinations "${input.destinations}" need a tenant bucket` }
    try {
      // Validates the tenant id and the bucket prefix: neither may reach another tenant's keys.
      tenantPrefix(input.tenantId, input.bucket?.prefix ?? '')
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) }
    }
    const stored: StoredConfig = { tenantId: input.tenantId, destinations: input.destinations }
    if (input.bucket) {
      const { secretAccessKey, ...rest } = input.bucket
      stored.bucket = {
        ...rest,
        secret: await seal(secretAccessKey, (await this.#keyring()).current),
      }
    }
    if (input.notifyUrl) stored.notifyUrl = input.notifyUrl
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO config (k, v) VALUES ('config', ?)",
      JSON.stringify(stored)
    )
    return { ok: true }
  }

  /** The configuration as an admin may see it: the bucket secret never leaves sealed storage. */
  describe(): Omit<StoredConfig, 'bucket'> & { bucket?: Omit<TenantBucket, 'secretAccessKey'> } {
    const c = this.#config()
    if (!c) return { tenantId: '', destinations: 'r2' }
    const { bucket, ...rest } = c
    if (!bucket) return rest
    const { secret: _secret, ...visible } = bucket
    return { ...rest, bucket: visible }
  }

  /**
   * Accepts serialised records (one JSON object each, with its request id). Durable once this
   * returns; an id seen before is counted as a duplicate and not stored again.
   */
  async append(
    tenantId: string,
    records: { id: string; line: string; usage?: UsageDelta | undefined }[]
  ): Promise<AppendResult> {
    const sql = this.ctx.storage.sql
    if (!this.#config()) {
      sql.exec(
        "INSERT OR IGNORE INTO config (k, v) VALUES ('config', ?)",
        JSON.stringify({ tenantId, destinations: 'r2' } satisfies StoredConfig)
      )
    }
    let accepted = 0
    const now = Date.now()
    this.ctx.storage.transactionSync(() => {
      for (const r of records) {
        if (sql.exec('SELECT 1 FROM seen WHERE id = ?', r.id).toArray().length > 0) continue
        const inserted = sql
          .exec(
            'INSERT INTO pending (id, at, line) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq',
            r.id,
            now,
            r.line
          )
          .toArray()
        accepted += inserted.length
        const u = r.usage
        if (inserted.length && u)
          sql.exec(
            `INSERT INTO usage_hourly (hour, key_id, model, requests, errors, prompt_tokens, completion_tokens, cost_micro_usd)
             VALUES (?, ?, ?, 1, ?, ?, ?, ?)
             ON CONFLICT (hour, key_id, model) DO UPDATE SET requests = requests + 1,
               errors = errors + excluded.errors, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
               completion_tokens = completion_tokens + excluded.completion_tokens,
               cost_micro_usd = cost_micro_usd + excluded.cost_micro_usd`,
            u.hour,
            u.keyId,
            u.model,
            u.error ? 1 : 0,
            u.promptTokens,
            u.completionTokens,
            u.costMicroUsd
          )
      }
    })
    const waiting = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n
    const alarm = await this.ctx.storage.getAlarm()
    const due = waiting >= MAX_BATCH ? now : now + FLUSH_MS
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due)
    return { accepted, duplicates: records.length - accepted }
  }

  /**
   * Usage between two hours (`YYYY-MM-DDTHH`, from inclusive, to exclusive), summed over
   * everything but the dimensions asked for, largest cost first.
   */
  usage(query: {
    from: string
    to: string
    groupBy: UsageDimension[]
    keyId?: string | undefined
  }): UsageRow[] {
    const dims = [...new Set(query.groupBy)].map((d) => USAGE_COLUMNS[d])
    const select = dims.length ? `${dims.join(', ')}, ` : ''
    const where = ['hour >= ?', 'hour < ?', ...(query.keyId ? ['key_id = ?'] : [])]
    const rows = this.ctx.storage.sql
      .exec<Record<string, string | number>>(
        `SELECT ${select}sum(requests) AS requests, sum(errors) AS errors,
           sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
           sum(cost_micro_usd) AS cost_micro_usd
         FROM usage_hourly WHERE ${where.join(' AND ')}
         ${dims.length ? `GROUP BY ${dims.join(', ')}` : ''}
         ORDER BY cost_micro_usd DESC, requests DESC${dims.length ? `, ${dims.join(', ')}` : ''}
         LIMIT 5000`,
        query.from,
        query.to,
        ...(query.keyId ? [query.keyId] : [])
      )
      .toArray()
    return rows
      .filter((r) => Number(r.requests) > 0)
      .map((r) => ({
        ...(r.hour !== undefined ? { hour: String(r.hour) } : {}),
        ...(r.key_id !== undefined ? { keyId: String(r.key_id) } : {}),
        ...(r.model !== undefined ? { model: String(r.model) } : {}),
        requests: Number(r.requests),
        errors: Number(r.errors),
        promptTokens: Number(r.prompt_tokens),
        completionTokens: Number(r.completion_tokens),
        costMicroUsd: Number(r.cost_micro_usd),
      }))
  }

  status(): AuditStatus {
    const sql = this.ctx.storage.sql
    const one = <T extends SqlStorageValue>(q: string) => sql.exec<{ v: T }>(q).one().v
    return {
      pending: one<number>('SELECT COUNT(*) AS v FROM pending'),
      records: one<number | null>('SELECT SUM(count) AS v FROM batches') ?? 0,
      batches: one<number>('SELECT COUNT(*) AS v FROM batches'),
      undelivered: one<number>('SELECT COUNT(*) AS v FROM batches WHERE body IS NOT NULL'),
      lastSeq: one<number | null>('SELECT MAX(seq) AS v FROM batches') ?? 0,
      lastError:
        sql
          .exec<{ v: string | null }>(
            'SELECT last_error AS v FROM batches WHERE body IS NOT NULL ORDER BY seq LIMIT 1'
          )
          .toArray()[0]?.v ?? null,
    }
  }

  override async alarm(): Promise<void> {
    await this.flush()
  }

  /**
   * Makes batches of what is pending, delivers what is undelivered (those whose retry is due,
   * or all of them when `force`), writes the manifests of finished hours, and arms the next
   * alarm. One run at a time.
   */
  async flush(options: { force?: boolean; now?: number } = {}): Promise<AuditStatus> {
    while (this.#flushing) await this.#flushing
    this.#flushing = this.#flush(options.force ?? false, options.now ?? Date.now())
    try {
      await this.#flushing
    } finally {
      this.#flushing = undefined
    }
    return this.status()
  }

  async #flush(force: boolean, now: number): Promise<void> {
    const config = this.#config()
    if (!config) return
    let signer: AuditSigner | undefined
    try {
      signer = await this.#getSigner()
    } catch (err) {
      // Records stay spooled; the next alarm tries again once the key is configured.
      console.error(JSON.stringify({ audit: 'no signing key', error: String(err) }))
    }
    if (signer) {
      while (await this.#makeBatch(config.tenantId, signer, now)) {
        // one batch per turn, until nothing is pending
      }
      await this.#makeManifests(config.tenantId, signer, now)
    }
    await this.#deliver(config, force, now)
    this.#prune(now)
    await this.#arm(now)
  }

  #getSigner(): Promise<AuditSigner> {
    const raw = this.#secrets.AUDIT_SIGNING_KEY
    if (!raw) return Promise.reject(new Error('AUDIT_SIGNING_KEY is not set'))
    this.#signer ??= signerFromJwk(JSON.parse(raw) as Parameters<typeof signerFromJwk>[0])
    return this.#signer
  }

  async #makeBatch(tenantId: string, signer: AuditSigner, now: number): Promise<boolean> {
    const sql = this.ctx.storage.sql
    const rows = sql
      .exec<{
        seq: number
        id: string
        line: string
      }>('SELECT seq, id, line FROM pending ORDER BY seq LIMIT ?', MAX_BATCH)
      .toArray()
    if (rows.length === 0) return false
    const last = sql
      .exec<{ seq: number; sha256: string }>(
        'SELECT seq, sha256 FROM batches ORDER BY seq DESC LIMIT 1'
      )
      .toArray()[0]
    // Batches take the hour they are made in, so keys stay in time order.
    const period = periodOf(now)
    const seq = (last?.seq ?? 0) + 1
    const batch = await encodeBatch(
      {
        tenantId,
        seq,
        prev: last?.sha256 ?? null,
        period,
        createdAt: new Date(now).toISOString(),
      },
      rows.map((r) => r.line),
      signer
    )
    const upTo = rows[rows.length - 1]?.seq ?? 0
    this.ctx.storage.transactionSync(() => {
      sql.exec(
        'INSERT INTO batches (seq, period, sha256, count, body, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        seq,
        period,
        batch.sha256,
        rows.length,
        batch.body,
        now
      )
      for (const r of rows) sql.exec('INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)', r.id, now)
      sql.exec('DELETE FROM pending WHERE seq <= ?', upTo)
    })
    return true
  }

  /** Signs the manifest of every finished hour that has batches and no manifest yet. */
  async #makeManifests(tenantId: string, signer: AuditSigner, now: number): Promise<void> {
    const sql = this.ctx.storage.sql
    const periods = sql
      .exec<{ period: string }>(
        `SELECT DISTINCT period FROM batches
         WHERE period < ? AND period NOT IN (SELECT period FROM manifests) ORDER BY period`,
        periodOf(now)
      )
      .toArray()
    for (const { period } of periods) {
      const batches = sql
        .exec<{ seq: number; sha256: string; count: number }>(
          'SELECT seq, sha256, count FROM batches WHERE period = ? ORDER BY seq',
          period
        )
        .toArray()
        .map((b) => ({ ...b, key: batchKey(tenantId, period, b.seq) }))
      const body = await encodeManifest(
        { tenantId, period, batches, createdAt: new Date(now).toISOString() },
        signer
      )
      sql.exec('INSERT INTO manifests (period, body) VALUES (?, ?)', period, body)
    }
  }

  async #stores(config: StoredConfig): Promise<Partial<Record<Destination, ObjectStore>>> {
    const drill = faultDrill(this.env)
    const wrap = (s: ObjectStore, d: Destination) => {
      const drilled = drill[d] ? failingShare(s, drill[d]) : s
      return this.wrapStore ? this.wrapStore(drilled, d) : drilled
    }
    const out: Partial<Record<Destination, ObjectStore>> = {}
    if (config.destinations !== 'tenant') out.r2 = wrap(r2Store(this.env.AUDIT_BUCKET), 'r2')
    if (config.destinations !== 'r2' && config.bucket) {
      const { secret, ...loc } = config.bucket
      const secretAccessKey = await unseal(secret, (await this.#keyring()).all)
      out.tenant = wrap(s3FetchStore({ ...loc, secretAccessKey }), 'tenant')
    }
    return out
  }

  /** Writes each undelivered batch and manifest to each destination that lacks it. */
  async #deliver(config: StoredConfig, force: boolean, now: number): Promise<void> {
    const sql = this.ctx.storage.sql
    const due = force ? Number.MAX_SAFE_INTEGER : now
    const batches = sql
      .exec<{
        seq: number
        period: string
        sha256: string
        body: ArrayBuffer
        r2_at: number | null
        tenant_at: number | null
        attempts: number
      }>(
        `SELECT seq, period, sha256, body, r2_at, tenant_at, attempts FROM batches
         WHERE body IS NOT NULL AND next_try <= ? ORDER BY seq`,
        due
      )
      .toArray()
    const manifests = sql
      .exec<{
        period: string
        body: ArrayBuffer
        r2_at: number | null
        tenant_at: number | null
        attempts: number
      }>(
        `SELECT period, body, r2_at, tenant_at, attempts FROM manifests
         WHERE body IS NOT NULL AND next_try <= ? ORDER BY period`,
        due
      )
      .toArray()
    if (batches.length === 0 && manifests.length === 0) return
    let stores: Partial<Record<Destination, ObjectStore>>
    try {
      stores = await this.#stores(config)
    } catch (err) {
      console.error(JSON.stringify({ audit: 'destinations unavailable', error: String(err) }))
      return
    }
    const root = (d: Destination) => (d === 'tenant' ? (config.bucket?.prefix ?? '') : '')
    const wanted = Object.keys(stores) as Destination[]

    for (const b of batches) {
      const errors: string[] = []
      for (const d of wanted) {
        if ((d === 'r2' ? b.r2_at : b.tenant_at) !== null) continue
        const key = batchKey(config.tenantId, b.period, b.seq, root(d))
        assertTenantKey(key, config.tenantId, root(d))
        try {
          await stores[d]?.put(key, new Uint8Array(b.body), {
            // Not Content-Encoding: gzip, which HTTP clients would undo on the way back, so
            // the stored bytes (the ones the chain hashes) are what every reader gets.
            contentType: 'application/gzip',
            custom: { 'trueport-seq': String(b.seq), 'trueport-sha256': b.sha256 },
          })
          sql.exec(`UPDATE batches SET ${d}_at = ? WHERE seq = ?`, Date.now(), b.seq)
        } catch (err) {
          errors.push(`${d}: ${String(err)}`)
        }
      }
      if (errors.length > 0) {
        sql.exec(
          'UPDATE batches SET attempts = attempts + 1, next_try = ?, last_error = ? WHERE seq = ?',
          now + backoff(b.attempts),
          errors.join('; ').slice(0, 500),
          b.seq
        )
      } else {
        sql.exec('UPDATE batches SET body = NULL, last_error = NULL WHERE seq = ?', b.seq)
        this.#notify(config, batchKey(config.tenantId, b.period, b.seq), b.seq)
      }
    }

    for (const m of manifests) {
      let failed = false
      for (const d of wanted) {
        if ((d === 'r2' ? m.r2_at : m.tenant_at) !== null) continue
        const key = manifestKey(config.tenantId, m.period, root(d))
        assertTenantKey(key, config.tenantId, root(d))
        try {
          await stores[d]?.put(key, new Uint8Array(m.body), {
            contentType: 'application/jose',
            custom: { 'trueport-period': m.period },
          })
          sql.exec(`UPDATE manifests SET ${d}_at = ? WHERE period = ?`, Date.now(), m.period)
        } catch {
          failed = true
        }
      }
      if (failed)
        sql.exec(
          'UPDATE manifests SET attempts = attempts + 1, next_try = ? WHERE period = ?',
          now + backoff(m.attempts),
          m.period
        )
      else sql.exec('UPDATE manifests SET body = NULL WHERE period = ?', m.period)
    }
  }

  /** Best effort: a reader that missed it finds the object by listing. */
  #notify(config: StoredConfig, key: string, seq: number): void {
    if (!config.notifyUrl) return
    const body = JSON.stringify({ tenantId: config.tenantId, key, seq })
    this.ctx.waitUntil(
      fetch(config.notifyUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(
        (r) => r.body?.cancel(),
        () => undefined
      )
    )
  }

  #prune(now: number): void {
    this.ctx.storage.sql.exec('DELETE FROM seen WHERE at < ?', now - SEEN_TTL_MS)
  }

  /** The next wake-up: pending records soon, else the earliest retry, else the hour's end. */
  async #arm(now: number): Promise<void> {
    const sql = this.ctx.storage.sql
    const pending = sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n
    const retry = sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(next_try) AS t FROM batches WHERE body IS NOT NULL
           UNION ALL SELECT MIN(next_try) FROM manifests WHERE body IS NOT NULL)`
      )
      .one().t
    const open = sql
      .exec<{ p: string | null }>(
        'SELECT MAX(period) AS p FROM batches WHERE period NOT IN (SELECT period FROM manifests)'
      )
      .one().p
    const candidates = [
      pending > 0 ? now + FLUSH_MS : Infinity,
      retry ?? Infinity,
      open ? periodEnd(open) + 1000 : Infinity,
    ]
    const next = Math.min(...candidates)
    if (next !== Infinity) await this.ctx.storage.setAlarm(Math.max(next, now + 50))
  }
}
