import { execFile } from 'node:child_process'
import { resolve } from 'node:path'
import { PutObjectCommand, DeleteObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3'
import type { AuditRecordV1 } from '@trueport/contracts'
import { beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import {
  AuditKeyError,
  assertTenantKey,
  batchKey,
  decodeBatch,
  encodeBatch,
  encodeManifest,
  generateSigningJwk,
  luhn,
  manifestKey,
  normaliseRoot,
  parseBatchKey,
  recordBody,
  redact,
  s3Client,
  s3Store,
  signerFromJwk,
  verifyTenant,
  type AuditSigner,
  type S3Location,
} from '../src'

const cli = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; out: string }>((resolve) => {
    execFile('npx', args, { env, cwd: ROOT }, (err, stdout, stderr) =>
      resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        out: stdout + stderr,
      })
    )
  })
const ROOT = resolve(import.meta.dirname, '../../..')

let signer: AuditSigner
beforeAll(async () => {
  signer = await signerFromJwk(await generateSigningJwk('test'))
})

describe('key layout', () => {
  it('puts every object under the tenant, in time and sequence order', () => {
    expect(batchKey('ten_1', '2026-12-02T14', 42)).toBe(
      'audit/v1/ten_1/batches/2026/12/02/14/000000000042.ndjson.gz'
    )
    expect(manifestKey('ten_1', '2026-12-02T14', 'my/prefix/')).toBe(
      'my/prefix/audit/v1/ten_1/manifests/2026/12/02/14.json'
    )
    const keys = [
      batchKey('t', '2026-12-02T09', 100),
      batchKey('t', '2026-12-02T10', 101),
      batchKey('t', '2026-12-02T10', 99),
    ]
    expect([...keys].sort()).toEqual([keys[0], keys[2], keys[1]])
    expect(parseBatchKey(keys[1] ?? '', 't')).toEqual({ period: '2026-12-02T10', seq: 101 })
    expect(parseBatchKey('audit/v1/other/batches/2026/12/02/10/000000000001.ndjson.gz', 't')).toBe(
      undefined
    )
  })

  it("never lets one tenant's key or prefix reach another's objects", () => {
    expect(() => batchKey('../other', '2026-12-02T10', 1)).toThrow(AuditKeyError)
    expect(() => batchKey('a/b', '2026-12-02T10', 1)).toThrow(AuditKeyError)
    expect(() => normaliseRoot('x/../audit/v1/victim')).toThrow(AuditKeyError)
    expect(() => normaliseRoot('shared/audit/v1/victim')).toThrow(AuditKeyError)
    expect(() => assertTenantKey('audit/v1/victim/batches/x', 'me')).toThrow(AuditKeyError)
    expect(() => assertTenantKey('audit/v1/me/../victim/x', 'me')).toThrow(AuditKeyError)
    expect(() => assertTenantKey(batchKey('me', '2026-12-02T10', 1), 'me')).not.toThrow()
  })
})

describe('privacy', () => {
  it('masks emails, phones, cards (Luhn-checked), IBANs, SSNs and secrets', () => {
    const text =
      'mail ana@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111, not a card 1234 5678 9012 3456, ' +
      'IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789, key sk-proj-abcdefghijklmnopqrstuv, AKIAIOSFODNN7EXAMPLE'
    const out = redact(text)
    for (const kind of ['email', 'phone', 'card', 'iban', 'ssn', 'secret'])
      expect(out).toContain(`[REDACTED:${kind}]`)
    // The non-Luhn number is not called a card (the eager phone pattern may still mask it).
    expect(out.match(/\[REDACTED:card\]/g)).toHaveLength(1)
    expect(out).not.toMatch(/ana@|4111|6789|sk-proj|AKIA/)
    expect(luhn('4111111111111111')).toBe(true)
    expect(luhn('4111111111111112')).toBe(false)
  })

  it('keeps digests and sizes in every mode, content only where allowed', async () => {
    const full = await recordBody('{"email":"a@b.co"}', 'full')
    const red = await recordBody('{"email":"a@b.co"}', 'redacted')
    const meta = await recordBody('{"email":"a@b.co"}', 'metadata')
    expect(full.text).toBe('{"email":"a@b.co"}')
    expect(red.text).toBe('{"email":"[REDACTED:email]"}')
    expect(meta.text).toBeUndefined()
    expect(new Set([full.sha256, red.sha256, meta.sha256]).size).toBe(1)
    expect(meta.bytes).toBe(18)
  })
})

const rec = (i: number, tenantId = 'ten_a') =>
  ({ v: 1, id: `req-${i}`, tenantId }) as unknown as AuditRecordV1

describe('batches', () => {
  it('round-trip with a signed header, and refuse any edit', async () => {
    const b = await encodeBatch(
      {
        tenantId: 't',
        seq: 1,
        prev: null,
        period: '2026-12-02T10',
        createdAt: new Date().toISOString(),
      },
      [rec(1), rec(2)],
      signer
    )
    const back = await decodeBatch(b.body, [signer.publicJwk])
    expect(back).toMatchObject({
      ok: true,
      sha256: b.sha256,
      records: [{ id: 'req-1' }, { id: 'req-2' }],
    })
    const other = await signerFromJwk(await generateSigningJwk('other'))
    expect(await decodeBatch(b.body, [other.publicJwk])).toMatchObject({
      ok: false,
      why: /signature/,
    })
  })
})

describe('verifier, against a real S3 server', () => {
  const bucket = `audit-verify-${Date.now()}`
  let loc: S3Location
  let store: ReturnType<typeof s3Store>
  const tenant = 'ten_v'
  const hour = (h: number) => `2026-11-30T${String(h).padStart(2, '0')}`
  const now = Date.parse('2026-12-01T12:00:00Z')

  /** Writes a chain of `n` batches of 3 records over hours 10 and 11, with both manifests. */
  async function writeChain(n: number) {
    let prev: string | null = null
    const listed: Record<string, { seq: number; key: string; sha256: string; count: number }[]> = {}
    for (let seq = 1; seq <= n; seq++) {
      const period = hour(seq <= n / 2 ? 10 : 11)
      const b = await encodeBatch(
        { tenantId: tenant, seq, prev, period, createdAt: new Date(now).toISOString() },
        [rec(seq * 10, tenant), rec(seq * 10 + 1, tenant), rec(seq * 10 + 2, tenant)],
        signer
      )
      const key = batchKey(tenant, period, seq)
      await store.put(key, b.body, { contentType: 'application/x-ndjson', custom: {} })
      ;(listed[period] ??= []).push({ seq, key, sha256: b.sha256, count: 3 })
      prev = b.sha256
    }
    for (const [period, batches] of Object.entries(listed)) {
      const body = await encodeManifest(
        { tenantId: tenant, period, batches, createdAt: new Date(now).toISOString() },
        signer
      )
      await store.put(manifestKey(tenant, period), body, {
        contentType: 'application/jose',
        custom: {},
      })
    }
  }

  const verify = () => verifyTenant(store, tenant, [signer.publicJwk], { now })

  beforeAll(async () => {
    const s = inject('services')
    loc = {
      endpoint: s.s3Endpoint,
      region: s.s3Region,
      bucket,
      accessKeyId: s.s3AccessKeyId,
      secretAccessKey: s.s3SecretAccessKey,
    }
    const client = s3Client(loc)
    await client.send(new CreateBucketCommand({ Bucket: bucket }))
    store = s3Store(loc, client)
  })

  it('accepts an intact chain', async () => {
    await writeChain(6)
    expect(await verify()).toMatchObject({
      ok: true,
      batches: 6,
      records: 18,
      manifests: 2,
      problems: [],
    })
  })

  it('is what `npm run audit:verify` runs: exit 0 on a good chain, 1 naming the problem', async () => {
    const jwks = JSON.stringify({ keys: [signer.publicJwk] })
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: loc.accessKeyId,
      AWS_SECRET_ACCESS_KEY: loc.secretAccessKey,
    }
    const args = [
      'tsx',
      'scripts/audit-verify.ts',
      '--tenant',
      tenant,
      '--bucket',
      bucket,
      '--endpoint',
      loc.endpoint ?? '',
      '--region',
      loc.region,
      '--jwks',
      jwks,
    ]
    const ok = await cli(args, env)
    expect(ok.code).toBe(0)
    expect(ok.out).toContain('chain verifies')
    const client = s3Client(loc)
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: batchKey(tenant, hour(10), 1) })
    )
    const bad = await cli(args, env)
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/MISSING batch 1/)
    await writeChain(6)
  }, 60_000)

  it('names a deleted batch', async () => {
    const client = s3Client(loc)
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: batchKey(tenant, hour(10), 2) })
    )
    const r = await verify()
    expect(r.ok).toBe(false)
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'missing', seq: 2 })])
    await writeChain(6)
  })

  it('names an edited batch, even one re-signed with another key', async () => {
    const key = batchKey(tenant, hour(11), 5)
    const forger = await signerFromJwk(await generateSigningJwk('forger'))
    const forged = await encodeBatch(
      {
        tenantId: tenant,
        seq: 5,
        prev: null,
        period: hour(11),
        createdAt: new Date(now).toISOString(),
      },
      [rec(1, tenant)],
      forger
    )
    await store.put(key, forged.body, { contentType: 'application/x-ndjson', custom: {} })
    const r = await verify()
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'altered', key, seq: 5 })])
    await writeChain(6)
  })

  it('names batches moved out of order, and objects that do not belong', async () => {
    const client = s3Client(loc)
    const a = await store.get(batchKey(tenant, hour(10), 1))
    const b = await store.get(batchKey(tenant, hour(10), 2))
    if (!a || !b) throw new Error('chain not written')
    await store.put(batchKey(tenant, hour(10), 1), b, { contentType: 'x', custom: {} })
    await store.put(batchKey(tenant, hour(10), 2), a, { contentType: 'x', custom: {} })
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `audit/v1/${tenant}/batches/notes.txt`,
        Body: 'hi',
      })
    )
    const r = await verify()
    const kinds = r.problems.map((p) => p.kind)
    expect(kinds).toContain('reordered')
    expect(kinds).toContain('extra')
    expect(r.ok).toBe(false)
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: `audit/v1/${tenant}/batches/notes.txt` })
    )
    await writeChain(6)
    expect((await verify()).ok).toBe(true)
  })

  it('names a deleted tail through the signed manifest, and a missing manifest', async () => {
    const client = s3Client(loc)
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: batchKey(tenant, hour(11), 6) })
    )
    let r = await verify()
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'missing', seq: 6 })])
    await writeChain(6)
    await client.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: manifestKey(tenant, hour(11)) })
    )
    r = await verify()
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'unsigned' })])
  })
})
