import { describe, expect, inject, it } from 'vitest'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'

describe('analytics /healthz and /readyz', () => {
  it('is live and ready when MongoDB (FerretDB) answers', async () => {
    const app = await buildApp(
      loadConfig({ MONGODB_URL: inject('services').mongoUrl, LOG_LEVEL: 'silent' })
    )
    try {
      const live = await app.inject({ method: 'GET', url: '/healthz' })
      expect(live.statusCode).toBe(200)
      expect(live.json()).toMatchObject({ status: 'ok', service: 'analytics' })
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(200)
      expect(ready.json()).toMatchObject({ status: 'ok', checks: [{ name: 'mongodb', ok: true }] })
    } finally {
      await app.close()
    }
  })

  it('is live but not ready when MongoDB is unreachable', async () => {
    const app = await buildApp(
      loadConfig({
        MONGODB_URL: 'mongodb://127.0.0.1:1/',
        READINESS_TIMEOUT_MS: '300',
        LOG_LEVEL: 'silent',
      })
    )
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200)
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json()).toMatchObject({
        status: 'unavailable',
        checks: [{ name: 'mongodb', ok: false }],
      })
    } finally {
      await app.close()
    }
  })

  it('is not ready without a configured database', async () => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json()).toMatchObject({
        checks: [{ name: 'mongodb', ok: false, detail: /not configured/ }],
      })
    } finally {
      await app.close()
    }
  })

  it('refuses to boot with invalid configuration, naming the field', () => {
    expect(() => loadConfig({ ANALYTICS_PORT: 'eighty', MONGODB_URL: 'postgres://x' })).toThrow(
      /port[\s\S]*mongoUrl/
    )
  })

  it('answers unknown routes with a 404 in the shared error shape', async () => {
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }))
    try {
      const res = await app.inject({ method: 'GET', url: '/nope' })
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({
        error: { code: 'not_found', type: 'invalid_request_error' },
      })
    } finally {
      await app.close()
    }
  })
})

describe('analytics configuration', () => {
  it('reads per-tenant summary secrets and names a malformed entry', () => {
    expect(
      loadConfig({ EDGE_SUMMARY_SECRETS: 'ten_a=0123456789abcdef0, ten_b = fedcba98765432100' })
        .edgeSummarySecrets
    ).toEqual({ ten_a: '0123456789abcdef0', ten_b: 'fedcba98765432100' })
    expect(() => loadConfig({ EDGE_SUMMARY_SECRETS: 'ten_a=short,ten_b' })).toThrow(
      /edgeSummarySecrets: "ten_a": want tenant=secret[^]*"ten_b"/
    )
  })
})
