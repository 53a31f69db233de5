import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateSigningJwk, s3Store, signerFromJwk, type AuditSigner } from '@trueport/audit'
import type { FastifyInstance } from 'fastify'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'
import { writeBatches } from './support'

const services = inject('services')
const tenantA = `ten_apiA${Date.now()}`
const tenantB = `ten_apiB${Date.now()}`
let app: FastifyInstance
let jwks: Server
let controlKey: CryptoKey
let signer: AuditSigner

/** A control-plane access token, as the gateway signs them. */
async function token(tid: string, role = 'owner', key: CryptoKey = controlKey, kid = 'auth') {
  return new SignJWT({ typ: 'scoped', tid, role, env: 'prod' })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer('trueport')
    .setAudience('trueport-api')
    .setSubject('usr_test')
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key)
}

const get = async (url: string, t?: string) =>
  app.inject({ method: 'GET', url, headers: t ? { authorization: `Bearer ${t}` } : {} })

beforeAll(async () => {
  const pair = await generateKeyPair('ES256')
  controlKey = pair.privateKey
  const pub: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'auth', alg: 'ES256', use: 'sig' }
  // The control plane's JWKS, served over HTTP as the gateway serves it.
  jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [pub] }))
  )
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', () => r()))
  signer = await signerFromJwk(await generateSigningJwk('api-test'))
  const s3 = {
    endpoint: services.s3Endpoint,
    region: services.s3Region,
    bucket: 'trueport-audit',
    accessKeyId: services.s3AccessKeyId,
    secretAccessKey: services.s3SecretAccessKey,
  }
  await writeBatches(s3Store(s3), signer, tenantA, 1, 3)
  app = await buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      MONGODB_URL: services.mongoUrl,
      MONGODB_DB: `api_${Date.now()}`,
      CONTROL_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ANALYTICS_TENANTS: `${tenantA},${tenantB}`,
      AUDIT_KEYS: JSON.stringify({ keys: [signer.publicJwk] }),
      POLL_INTERVAL_MS: '600000',
    })
  )
})
afterAll(async () => {
  await app?.close()
  await new Promise((r) => jwks.close(r))
})

describe('analytics REST API', () => {
  it('a pushed notification makes the box pull and analyse the tenant now', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/ingest/notify',
      payload: { tenantId: tenantA, key: 'x', seq: 3 },
    })
    expect(res.statusCode).toBe(202)
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/ingest/notify',
          payload: { tenantId: 'ten_unknown', key: 'x' },
        })
      ).statusCode
    ).toBe(404)
    // The notified poll (or one already queued behind it) finishes; a direct poll then finds nothing new.
    for (let i = 0; i < 50; i++) {
      const page = (await get('/v1/violations?limit=1', await token(tenantA))).json<{
        data: unknown[]
      }>()
      if (page.data.length) break
      await new Promise((r) => setTimeout(r, 100))
    }
    await app.ingest?.poll(tenantA)
    expect((await app.ingest?.poll(tenantA))?.objects).toBe(0)
  })

  it('lists, filters and pages violations newest first, for the caller tenant only', async () => {
    const owner = await token(tenantA)
    const all: { _id: string; detector: string }[] = []
    let cursor: string | null = null
    do {
      const res = await get(`/v1/violations?limit=7${cursor ? `&cursor=${cursor}` : ''}`, owner)
      expect(res.statusCode).toBe(200)
      const page = res.json<{ data: { _id: string; detector: string }[]; next: string | null }>()
      all.push(...page.data)
      cursor = page.next
    } while (cursor)
    expect(new Set(all.map((v) => v._id)).size).toBe(all.length)
    // 60 records: 12 injections (several signals each), 12 emails.
    expect(all.filter((v) => v.detector === 'pii')).toHaveLength(12)
    const injections = (await get('/v1/violations?detector=injection&limit=200', owner)).json<{
      data: unknown[]
    }>()
    expect(injections.data.length).toBeGreaterThanOrEqual(12)
    expect(
      (await get('/v1/violations', await token(tenantB))).json<{ data: unknown[] }>().data
    ).toEqual([])
    expect((await get('/v1/violations?severity=extreme', owner)).statusCode).toBe(400)
    expect((await get('/v1/violations?cursor=garbage', owner)).statusCode).toBe(400)
  })

  it('shows one violation with its evidence and the record it came from; not to other tenants', async () => {
    const owner = await token(tenantA)
    const [first] = (await get('/v1/violations?detector=pii&limit=1', owner)).json<{
      data: { _id: string }[]
    }>().data
    const res = await get(`/v1/violations/${first?._id}`, owner)
    expect(res.statusCode).toBe(200)
    const body = res.json<{
      violation: { evidence: { match: string }; objectKey: string; recordId: string }
      interaction: { clean: boolean }
    }>()
    expect(body.violation.evidence.match).toMatch(/^person\d+@corp\.example$/)
    expect(body.violation.objectKey).toContain(`audit/v1/${tenantA}/batches/`)
    expect(body.interaction.clean).toBe(false)
    expect((await get(`/v1/violations/${first?._id}`, await token(tenantB))).statusCode).toBe(404)
  })

  it('counts per day, detector and kind', async () => {
    const res = await get(
      '/v1/violations/daily?from=2026-12-01&to=2026-12-03',
      await token(tenantA)
    )
    const rows = res.json<{ data: { day: string; kind: string; count: number }[] }>().data
    expect(rows.find((r) => r.kind === 'email')).toMatchObject({ day: '2026-12-02', count: 12 })
  })

  it('runs the detectors synchronously on given texts', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/detect',
      headers: { authorization: `Bearer ${await token(tenantA, 'member')}` },
      payload: {
        texts: ['my card is 4111 1111 1111 1111', { text: 'all good here', field: 'response' }],
        rules: { bannedTerms: ['zeus'] },
      },
    })
    expect(res.statusCode).toBe(200)
    const { results } = res.json<{
      results: { clean: boolean; findings: { kind: string; match: string }[] }[]
    }>()
    expect(results[0]?.findings).toEqual([
      expect.objectContaining({ kind: 'card', match: '4111 1111 1111 1111' }),
    ])
    expect(results[1]?.clean).toBe(true)
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/detect',
      headers: { authorization: `Bearer ${await token(tenantA)}` },
      payload: { texts: [] },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json<{ error: { code: string } }>().error.code).toBe('invalid_request')
    expect((await get('/v1/detectors', await token(tenantA, 'viewer'))).statusCode).toBe(200)
  })

  it('accepts only the control plane tokens, and only roles that may read violations', async () => {
    expect((await get('/v1/violations')).statusCode).toBe(401)
    const other = await generateKeyPair('ES256')
    expect(
      (await get('/v1/violations', await token(tenantA, 'owner', other.privateKey))).statusCode
    ).toBe(401)
    expect((await get('/v1/violations', await token(tenantA, 'member'))).statusCode).toBe(403)
    expect((await get('/v1/violations', await token(tenantA, 'viewer'))).statusCode).toBe(403)
    expect((await get('/v1/violations', await token(tenantA, 'admin'))).statusCode).toBe(200)
    const global = await new SignJWT({ typ: 'global' })
      .setProtectedHeader({ alg: 'ES256', kid: 'auth' })
      .setIssuer('trueport')
      .setAudience('trueport-api')
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(controlKey)
    expect((await get('/v1/violations', global)).statusCode).toBe(401)
  })
})
