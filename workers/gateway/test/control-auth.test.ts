import type { SessionTokens } from '@trueport/contracts'
import { describe, expect, it } from 'vitest'
import {
  PASSWORD,
  api,
  call,
  errorCode,
  inbox,
  login,
  nthMail,
  ownedTenant,
  scopeTo,
} from './control-helpers'

/** Polls until the call answers `status`; returns how long that took (ms). */
async function untilStatus(call: () => Promise<Response>, status: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < 12_000) {
    if ((await call()).status === status) return Date.now() - started
    await new Promise((r) => setTimeout(r, 100))
  }
  return Infinity
}

const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)?.[1] ?? 'none'

describe('password sign-in', () => {
  it('signs in, answers who the user is, and refuses a wrong password', async () => {
    const t = await ownedTenant()
    const me = await call<{ user: { email: string } }>(
      'GET',
      '/me',
      t.session.accessToken,
      undefined,
      200
    )
    expect(me.user.email).toBe(t.ownerEmail)
    expect(t.session.refreshToken).toMatch(/^tpr_/)
    const wrong = await api('POST', '/auth/login', undefined, {
      email: t.ownerEmail,
      password: 'nope nope nope',
    })
    expect(wrong.status).toBe(401)
    expect(await errorCode(wrong)).toBe('invalid_credentials')
    // Unknown accounts get the very same answer.
    const unknown = await api('POST', '/auth/login', undefined, {
      email: 'nobody@nowhere.example',
      password: PASSWORD,
    })
    expect(unknown.status).toBe(401)
    expect(await errorCode(unknown)).toBe('invalid_credentials')
    expect((await api('POST', '/auth/login', undefined, '{"email":')).status).toBe(400)
  })

  it('locks an account after 10 wrong passwords; an email code still signs in', async () => {
    const t = await ownedTenant()
    for (let i = 0; i < 10; i++)
      await api('POST', '/auth/login', undefined, {
        email: t.ownerEmail,
        password: `wrong-${i}-password`,
      })
    const locked = await api('POST', '/auth/login', undefined, {
      email: t.ownerEmail,
      password: PASSWORD,
    })
    expect(locked.status).toBe(423)
    expect(await errorCode(locked)).toBe('account_locked')
    await call('POST', '/auth/codes', undefined, { email: t.ownerEmail, purpose: 'login' }, 202)
    const code = codeIn((await nthMail(t.ownerEmail)).text)
    await call('POST', '/auth/codes/verify', undefined, { email: t.ownerEmail, code }, 200)
    // The code lifted the lock.
    await login(t.ownerEmail)
  })
})

describe('one-time email codes (through a real SMTP server)', () => {
  it('mails a code that signs in once', async () => {
    const t = await ownedTenant()
    await call('POST', '/auth/codes', undefined, { email: t.ownerEmail, purpose: 'login' }, 202)
    // Asking again at once is throttled.
    const again = await api('POST', '/auth/codes', undefined, {
      email: t.ownerEmail,
      purpose: 'login',
    })
    expect(again.status).toBe(429)
    const mail = await nthMail(t.ownerEmail)
    expect(mail.subject).toMatch(/TruePort code/)
    const code = codeIn(mail.text)
    const session = await call<SessionTokens>(
      'POST',
      '/auth/codes/verify',
      undefined,
      { email: t.ownerEmail, code },
      200
    )
    expect(session.user.email).toBe(t.ownerEmail)
    const replay = await api('POST', '/auth/codes/verify', undefined, {
      email: t.ownerEmail,
      code,
    })
    expect(replay.status).toBe(401)
  })

  it('answers the same for unknown emails and sends nothing', async () => {
    const email = 'ghost@nowhere.example'
    await call('POST', '/auth/codes', undefined, { email, purpose: 'login' }, 202)
    await new Promise((r) => setTimeout(r, 200))
    expect(await inbox(email)).toEqual([])
  })

  it('burns a code after 5 wrong guesses', async () => {
    const t = await ownedTenant()
    await call('POST', '/auth/codes', undefined, { email: t.ownerEmail, purpose: 'login' }, 202)
    const code = codeIn((await nthMail(t.ownerEmail)).text)
    const wrong = code === '000000' ? '111111' : '000000'
    for (let i = 0; i < 5; i++)
      expect(
        (await api('POST', '/auth/codes/verify', undefined, { email: t.ownerEmail, code: wrong }))
          .status
      ).toBe(401)
    expect(
      (await api('POST', '/auth/codes/verify', undefined, { email: t.ownerEmail, code })).status
    ).toBe(401)
  })

  it('resets a password with a code and signs out every other session', async () => {
    const t = await ownedTenant()
    await call('POST', '/auth/codes', undefined, { email: t.ownerEmail, purpose: 'reset' }, 202)
    const code = codeIn((await nthMail(t.ownerEmail)).text)
    const fresh = 'a brand new long password'
    await call(
      'POST',
      '/auth/password/reset',
      undefined,
      { email: t.ownerEmail, code, password: fresh },
      200
    )
    expect(
      (await api('POST', '/auth/login', undefined, { email: t.ownerEmail, password: PASSWORD }))
        .status
    ).toBe(401)
    await login(t.ownerEmail, fresh)
    // The session from before the reset is gone: its refresh token and access token fail.
    expect(
      (await api('POST', '/auth/refresh', undefined, { refreshToken: t.session.refreshToken }))
        .status
    ).toBe(401)
    // Its access token stops working within the isolate's session-check TTL (5 s).
    expect(await untilStatus(() => api('GET', '/me', t.session.accessToken), 401)).toBeLessThan(
      10_000
    )
  }, 15_000)
})

describe('refresh and revocation', () => {
  it('rotates refresh tokens; replaying a used one ends the session', async () => {
    const t = await ownedTenant()
    const next = await call<SessionTokens>(
      'POST',
      '/auth/refresh',
      undefined,
      { refreshToken: t.session.refreshToken },
      200
    )
    expect(next.refreshToken).not.toBe(t.session.refreshToken)
    await call('GET', '/me', next.accessToken, undefined, 200)
    // The old token again: theft assumed, the whole session is revoked.
    expect(
      (await api('POST', '/auth/refresh', undefined, { refreshToken: t.session.refreshToken }))
        .status
    ).toBe(401)
    expect(
      (await api('POST', '/auth/refresh', undefined, { refreshToken: next.refreshToken })).status
    ).toBe(401)
    expect(
      (await api('POST', '/auth/refresh', undefined, { refreshToken: 'tpr_garbage_garbage' }))
        .status
    ).toBe(401)
  })

  it('sign-out revokes the access tokens of the session, scoped ones included', async () => {
    const t = await ownedTenant()
    await call('GET', '/tenant', t.owner, undefined, 200)
    await call('POST', '/auth/logout', t.session.accessToken, undefined, 200)
    const after = await api('GET', '/tenant', t.owner)
    expect(after.status).toBe(401)
    expect(await errorCode(after)).toBe('invalid_token')
    expect((await api('GET', '/me', t.session.accessToken)).status).toBe(401)
  })
})

describe('choosing a tenant and environment', () => {
  it('issues a scoped token per environment and refuses tenants the user is not in', async () => {
    const a = await ownedTenant()
    const b = await ownedTenant()
    const prod = await scopeTo(a.session.accessToken, a.tenantId, 'prod')
    expect(prod).toMatchObject({
      role: 'owner',
      environment: 'prod',
      tenant: { id: a.tenantId, slug: a.slug },
    })
    const tenant = await call<{ environment: string }>(
      'GET',
      '/tenant',
      prod.accessToken,
      undefined,
      200
    )
    expect(tenant.environment).toBe('prod')
    // Switching environment from a scoped token works too.
    const staging = await scopeTo(prod.accessToken, a.tenantId, 'staging')
    expect(staging.environment).toBe('staging')
    const other = await api('POST', '/auth/scope', a.session.accessToken, { tenantId: b.tenantId })
    expect(other.status).toBe(403)
    const bySlug = await api('POST', '/auth/scope', a.session.accessToken, { slug: b.slug })
    expect(bySlug.status).toBe(403)
    const list = await call<{ data: { id: string; role: string }[] }>(
      'GET',
      '/me/tenants',
      a.session.accessToken,
      undefined,
      200
    )
    expect(list.data).toEqual([expect.objectContaining({ id: a.tenantId, role: 'owner' })])
  })
})
