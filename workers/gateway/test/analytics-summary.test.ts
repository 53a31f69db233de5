import { describe, expect, it } from 'vitest'
import { api, call, errorCode, ownedTenant } from './control-helpers'
import { post } from './helpers'

const SECRET = 'summary-secret-0123456789'

async function sign(body: string, secret = SECRET, t = Math.floor(Date.now() / 1000)) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  const mac = new Uint8Array(
    await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${t}.${body}`))
  )
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

const summaryOf = (tenantId: string, keyId: string, id = `obj-${Date.now()}`) =>
  JSON.stringify({
    id,
    tenantId,
    window: { from: '2026-12-02T10:00:00.000Z', to: '2026-12-02T10:05:00.000Z' },
    counts: [{ detector: 'exfiltration', severity: 'critical', count: 3 }],
    keys: [{ keyId, critical: 3, high: 0, quarantine: true }],
  })

const send = async (body: string, signature: string) =>
  api('POST', '/analytics/summaries', undefined, body, { 'x-trueport-signature': signature })

describe('summaries from the analytics service', () => {
  it('a signed summary adds counts once and quarantines the key until an admin releases it', async () => {
    const t = await ownedTenant()
    await call(
      'PUT',
      '/tenant/credentials/analytics-summary',
      t.owner,
      { provider: 'trueport-analytics', secret: SECRET },
      200
    )
    const chat = () =>
      post('/v1/chat/completions', t.apiKey.key, {
        model: 'mock-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      })
    expect((await chat()).status).toBe(200)

    const body = summaryOf(t.tenantId, t.apiKey.id)
    const res = await send(body, await sign(body))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ accepted: true, quarantined: [t.apiKey.id] })
    // Delivered twice: counted once.
    expect(await (await send(body, await sign(body))).json()).toMatchObject({ accepted: false })
    const counts = await call<{ data: { detector: string; count: number }[] }>(
      'GET',
      '/tenant/violations/daily?from=2026-12-01&to=2026-12-03',
      t.owner,
      undefined,
      200
    )
    expect(counts.data).toEqual([
      { day: '2026-12-02', detector: 'exfiltration', severity: 'critical', count: 3 },
    ])

    // Within the snapshot TTL the gateway refuses the key.
    let refused: Response | undefined
    for (let i = 0; i < 70; i++) {
      const r = await chat()
      if (r.status === 403) {
        refused = r
        break
      }
      await r.body?.cancel()
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(refused && (await errorCode(refused))).toBe('key_quarantined')
    const events = await call<{ data: { action: string; actor: { userId: string } }[] }>(
      'GET',
      `/tenant/admin-events?target=${t.apiKey.id}&action=api_key.quarantined`,
      t.owner,
      undefined,
      200
    )
    expect(events.data[0]?.actor.userId).toBe('analytics')

    await call('POST', `/tenant/api-keys/${t.apiKey.id}/release`, t.owner, undefined, 200)
    let released = 0
    for (let i = 0; i < 70 && released !== 200; i++) {
      const r = await chat()
      released = r.status
      await r.body?.cancel()
      if (released !== 200) await new Promise((r) => setTimeout(r, 100))
    }
    expect(released).toBe(200)
  }, 20_000)

  it('refuses unsigned, wrongly signed, stale and unconfigured summaries', async () => {
    const t = await ownedTenant()
    const body = summaryOf(t.tenantId, t.apiKey.id)
    // No credential configured yet.
    expect((await send(body, await sign(body))).status).toBe(401)
    await call(
      'PUT',
      '/tenant/credentials/analytics-summary',
      t.owner,
      { provider: 'trueport-analytics', secret: SECRET },
      200
    )
    expect((await send(body, '')).status).toBe(401)
    expect((await send(body, await sign(body, 'another-secret-0000000'))).status).toBe(401)
    expect(
      (await send(body, await sign(body, SECRET, Math.floor(Date.now() / 1000) - 3600))).status
    ).toBe(401)
    // Signed for one body, sent with another.
    expect((await send(summaryOf(t.tenantId, t.apiKey.id, 'other'), await sign(body))).status).toBe(
      401
    )
    expect((await send('{"id":1}', await sign('{"id":1}'))).status).toBe(400)
  })
})
