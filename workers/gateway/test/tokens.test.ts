import { SELF, env } from 'cloudflare:test'
import { SignJWT, createLocalJWKSet, importJWK, jwtVerify, type JWK } from 'jose'
import { describe, expect, it } from 'vitest'
import { generateSigningJwk } from '@trueport/audit'
import { tokenService, tokensFor, TokenError } from '../src/auth/tokens'
import { ORIGIN } from './helpers'

const signingKey = () => (env as unknown as { AUTH_SIGNING_KEY: string }).AUTH_SIGNING_KEY
const b64url = (s: string) => btoa(s).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')

describe('access tokens', () => {
  it('issues global and scoped tokens that verify to their claims', async () => {
    const t = await tokensFor(signingKey())
    const global = await t.verify(await t.issueGlobal('usr_1'))
    expect(global).toMatchObject({
      typ: 'global',
      sub: 'usr_1',
      iss: 'trueport',
      aud: 'trueport-api',
    })
    const scoped = await t.verify(
      await t.issueScoped({ userId: 'usr_1', tenantId: 'ten_1', role: 'admin', env: 'prod' })
    )
    expect(scoped).toMatchObject({
      typ: 'scoped',
      sub: 'usr_1',
      tid: 'ten_1',
      role: 'admin',
      env: 'prod',
    })
    expect(scoped.exp - scoped.iat).toBe(15 * 60)
  })

  it('rejects tampered, foreign, expired and wrong-algorithm tokens', async () => {
    const t = await tokensFor(signingKey())
    const good = await t.issueScoped({ userId: 'u', tenantId: 'ten_a', role: 'viewer', env: 'dev' })
    const [h, p, s] = good.split('.')
    const claims = JSON.parse(atob((p ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as Record<
      string,
      unknown
    >
    const escalated = `${h}.${b64url(JSON.stringify({ ...claims, role: 'owner', tid: 'ten_b' }))}.${s}`
    await expect(t.verify(escalated)).rejects.toThrow(TokenError)

    const other = await tokenService(await generateSigningJwk('other'))
    await expect(t.verify(await other.issueGlobal('u'))).rejects.toThrow(TokenError)

    const past = Date.now() - 16 * 60_000
    await expect(t.verify(await t.issueGlobal('u', past))).rejects.toThrow('token expired')

    const none = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`
    await expect(t.verify(none)).rejects.toThrow(TokenError)
    // Algorithm confusion: HS256 keyed with the public JWK's text.
    const pub = JSON.stringify(t.jwks.keys[0])
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode(pub))
    await expect(t.verify(hs)).rejects.toThrow(TokenError)

    // Our key, but not our audience.
    const priv = await importJWK(JSON.parse(signingKey()) as JWK, 'ES256')
    const elsewhere = await new SignJWT({ typ: 'global' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('trueport')
      .setAudience('someone-else')
      .setSubject('u')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(priv)
    await expect(t.verify(elsewhere)).rejects.toThrow(TokenError)
    await expect(t.verify('not.a.jwt')).rejects.toThrow(TokenError)
  })

  it('publishes a JWKS that other services verify tokens with, holding no private part', async () => {
    const res = await SELF.fetch(`${ORIGIN}/.well-known/jwks.json`)
    expect(res.status).toBe(200)
    const jwks = await res.json<{ keys: JWK[] }>()
    expect(JSON.stringify(jwks)).not.toContain('"d"')
    const t = await tokensFor(signingKey())
    const token = await t.issueScoped({
      userId: 'u',
      tenantId: 'ten_x',
      role: 'member',
      env: 'staging',
    })
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: 'trueport',
      audience: 'trueport-api',
      algorithms: ['ES256'],
    })
    expect(payload).toMatchObject({ tid: 'ten_x', role: 'member' })
  })
})
