import type { SessionTokens } from '@trueport/contracts'
import { SELF } from 'cloudflare:test'
import { describe, expect, inject, it } from 'vitest'
import { api, call, ownedTenant } from './control-helpers'
import { ORIGIN } from './helpers'

/** Tells the local provider who signs in next. */
async function nextAccount(sub: string, email: string, emailVerified = true) {
  await fetch(`${inject('oidc').issuer}/__test/account`, {
    method: 'POST',
    body: JSON.stringify({ sub, email, emailVerified }),
  })
}

/**
 * Plays the browser: starts the sign-in at the gateway, follows the provider's redirects with
 * its cookies, and stops at the gateway's callback (answered by the gateway itself).
 */
async function signInWithProvider(start = '/api/v1/auth/oidc/local/start'): Promise<Response> {
  const jar = new Map<string, string>()
  let res = await SELF.fetch(`${ORIGIN}${start}`, { redirect: 'manual' })
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !location) return res
    const next = new URL(location, res.url || inject('oidc').issuer)
    if (next.origin === ORIGIN) return SELF.fetch(next.toString(), { redirect: 'manual' })
    res = await fetch(next, {
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    })
    for (const c of (res.headers as unknown as { getSetCookie(): string[] }).getSetCookie()) {
      const [pair] = c.split(';')
      const [k, ...v] = (pair ?? '').split('=')
      if (k) jar.set(k.trim(), v.join('='))
    }
  }
  throw new Error('too many redirects')
}

describe('OIDC sign-in (authorization code with PKCE) against a local provider', () => {
  it('redirects with PKCE S256, state and nonce', async () => {
    const res = await SELF.fetch(`${ORIGIN}/api/v1/auth/oidc/local/start`, { redirect: 'manual' })
    expect(res.status).toBe(302)
    const to = new URL(res.headers.get('location') ?? '')
    expect(to.origin).toBe(inject('oidc').issuer)
    expect(to.searchParams.get('code_challenge_method')).toBe('S256')
    expect(to.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(to.searchParams.get('state')).toBeTruthy()
    expect(to.searchParams.get('nonce')).toBeTruthy()
    expect((await api('GET', '/auth/oidc/nope/start')).status).toBe(404)
  })

  it('signs in a new person, and the same subject again into the same account', async () => {
    const sub = `idp-${Date.now()}`
    await nextAccount(sub, `${sub}@corp.example`)
    const res = await signInWithProvider()
    expect(res.status).toBe(200)
    const tokens = await res.json<SessionTokens>()
    expect(tokens.user.email).toBe(`${sub}@corp.example`)
    await call('GET', '/me', tokens.accessToken, undefined, 200)
    await nextAccount(sub, `${sub}@corp.example`)
    const again = await (await signInWithProvider()).json<SessionTokens>()
    expect(again.user.id).toBe(tokens.user.id)
  })

  it('links to an existing account by verified email, which then reaches its tenants', async () => {
    const t = await ownedTenant()
    await nextAccount(`owner-${t.slug}`, t.ownerEmail)
    const tokens = await (await signInWithProvider()).json<SessionTokens>()
    expect(tokens.user.id).toBe(t.session.user.id)
    const mine = await call<{ data: { id: string }[] }>(
      'GET',
      '/me/tenants',
      tokens.accessToken,
      undefined,
      200
    )
    expect(mine.data.map((x) => x.id)).toEqual([t.tenantId])
  })

  it('refuses an unverified email, a replayed callback and a forged state', async () => {
    const t = await ownedTenant()
    await nextAccount(`mallory-${t.slug}`, t.ownerEmail, false)
    const unverified = await signInWithProvider()
    expect(unverified.status).toBe(401)

    await nextAccount(`replay-${Date.now()}`, `replay-${Date.now()}@corp.example`)
    const jarless = await signInWithProvider()
    expect(jarless.status).toBe(200)
    const callbackUrl = jarless.url
    const replay = await SELF.fetch(callbackUrl)
    expect(replay.status).toBe(400)
    const forged = await api('GET', '/auth/oidc/local/callback?code=abc&state=forged')
    expect(forged.status).toBe(400)
  })

  it('hands tokens to the dashboard in the URL fragment, and only to the dashboard', async () => {
    await nextAccount(`dash-${Date.now()}`, `dash-${Date.now()}@corp.example`)
    const res = await signInWithProvider(
      `/api/v1/auth/oidc/local/start?returnTo=${encodeURIComponent('http://127.0.0.1:8788/signed-in')}`
    )
    expect(res.status).toBe(302)
    const back = new URL(res.headers.get('location') ?? '')
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:8788/signed-in')
    expect(new URLSearchParams(back.hash.slice(1)).get('access_token')).toBeTruthy()
    const evil = await api(
      'GET',
      `/auth/oidc/local/start?returnTo=${encodeURIComponent('https://evil.example/')}`
    )
    expect(evil.status).toBe(400)
  })
})
