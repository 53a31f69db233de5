import type { ScopedTokenResponse, SessionTokens } from '@trueport/contracts'
import { env, runInDurableObject } from 'cloudflare:test'
import { tenantStub, type TenantDO } from '@trueport/durable-objects'
import { describe, expect, it } from 'vitest'
import {
  api,
  call,
  errorCode,
  login,
  nthMail,
  ownedTenant,
  scopeTo,
  uniqueEmail,
} from './control-helpers'

const tokenIn = (text: string) =>
  /(tpi_ten_[A-Za-z0-9]{20}_[A-Za-z0-9]{43})/.exec(text)?.[1] ?? 'none'

type Accepted = { tenant: { id: string }; role: string; session?: SessionTokens }

/** Invites `email` as `role` and answers the token from the mail it received. */
async function invite(owner: string, email: string, role: string, nth = 1) {
  await call('POST', '/tenant/invites', owner, { email, role }, 201)
  return tokenIn((await nthMail(email, nth)).text)
}

describe('invites', () => {
  it('a new person accepts by mail, sets a password and acts with the invited role', async () => {
    const t = await ownedTenant()
    const email = uniqueEmail('new-admin')
    const created = await call<{ status: string; email: string }>(
      'POST',
      '/tenant/invites',
      t.owner,
      { email, role: 'admin' },
      201
    )
    expect(created).toMatchObject({ status: 'pending', email })
    // The token is mailed, never returned to the inviter.
    expect(JSON.stringify(created)).not.toContain('tpi_')
    const token = tokenIn((await nthMail(email)).text)
    const accepted = await call<Accepted>(
      'POST',
      '/invites/accept',
      undefined,
      { token, password: 'the invitee chose this' },
      200
    )
    expect(accepted).toMatchObject({ tenant: { id: t.tenantId }, role: 'admin' })
    const scoped = await scopeTo(accepted.session?.accessToken ?? '', t.tenantId)
    expect(scoped.role).toBe('admin')
    // Used once only.
    expect(
      (await api('POST', '/invites/accept', undefined, { token, password: 'again and again' }))
        .status
    ).toBe(404)
    const invites = await call<{ data: { status: string }[] }>(
      'GET',
      '/tenant/invites',
      t.owner,
      undefined,
      200
    )
    expect(invites.data[0]?.status).toBe('accepted')
  })

  it('an existing account accepts signed in, and only as the invited email', async () => {
    const a = await ownedTenant()
    const b = await ownedTenant()
    const token = await invite(a.owner, b.ownerEmail, 'viewer')
    // Without a session, an existing account is told to sign in first.
    expect(
      (await api('POST', '/invites/accept', undefined, { token, password: 'irrelevant pw!' }))
        .status
    ).toBe(403)
    // Someone else signed in cannot take it.
    const intruder = await api('POST', '/invites/accept', a.session.accessToken, { token })
    expect(intruder.status).toBe(403)
    const ok = await call<Accepted>(
      'POST',
      '/invites/accept',
      b.session.accessToken,
      { token },
      200
    )
    expect(ok.role).toBe('viewer')
    const mine = await call<{ data: { id: string }[] }>(
      'GET',
      '/me/tenants',
      b.session.accessToken,
      undefined,
      200
    )
    expect(mine.data.map((x) => x.id).sort()).toEqual([a.tenantId, b.tenantId].sort())
  })

  it('revoked invites and malformed tokens do not work; an admin cannot invite an owner', async () => {
    const t = await ownedTenant()
    const email = uniqueEmail('revoked')
    const made = await call<{ id: string }>(
      'POST',
      '/tenant/invites',
      t.owner,
      { email, role: 'member' },
      201
    )
    const token = tokenIn((await nthMail(email)).text)
    await call('DELETE', `/tenant/invites/${made.id}`, t.owner, undefined, 200)
    expect(
      (await api('POST', '/invites/accept', undefined, { token, password: 'a long password!' }))
        .status
    ).toBe(404)
    expect(
      (await api('POST', '/invites/accept', undefined, { token: 'tpi_' + 'x'.repeat(40) })).status
    ).toBe(404)

    const adminEmail = uniqueEmail('admin')
    const adminToken = await invite(t.owner, adminEmail, 'admin')
    const admin = await call<Accepted>(
      'POST',
      '/invites/accept',
      undefined,
      { token: adminToken, password: 'admin password!!' },
      200
    )
    const adminScoped = await scopeTo(admin.session?.accessToken ?? '', t.tenantId)
    const up = await api('POST', '/tenant/invites', adminScoped.accessToken, {
      email: uniqueEmail('x'),
      role: 'owner',
    })
    expect(up.status).toBe(403)
  })
})

describe('members', () => {
  /** A tenant with its owner and one member of `role`, signed in. */
  async function withMember(role: string) {
    const t = await ownedTenant()
    const email = uniqueEmail(role)
    const token = await invite(t.owner, email, role)
    const accepted = await call<Accepted>(
      'POST',
      '/invites/accept',
      undefined,
      { token, password: 'member password!' },
      200
    )
    const scoped: ScopedTokenResponse = await scopeTo(
      accepted.session?.accessToken ?? '',
      t.tenantId
    )
    const members = await call<{ data: { userId: string; email: string }[] }>(
      'GET',
      '/tenant/members',
      t.owner,
      undefined,
      200
    )
    const member = members.data.find((m) => m.email === email)
    const owner = members.data.find((m) => m.email === t.ownerEmail)
    return {
      ...t,
      email,
      memberId: member?.userId ?? '',
      ownerId: owner?.userId ?? '',
      memberToken: scoped.accessToken,
    }
  }

  it('changes roles and removes members; the last owner stays', async () => {
    const t = await withMember('member')
    const changed = await call<{ role: string }>(
      'PATCH',
      `/tenant/members/${t.memberId}`,
      t.owner,
      { role: 'admin' },
      200
    )
    expect(changed.role).toBe('admin')
    // The last owner can be neither demoted nor removed.
    const demote = await api('PATCH', `/tenant/members/${t.ownerId}`, t.owner, { role: 'admin' })
    expect(demote.status).toBe(409)
    expect((await api('DELETE', `/tenant/members/${t.ownerId}`, t.owner)).status).toBe(409)
    // With a second owner, the first may step down.
    await call('PATCH', `/tenant/members/${t.memberId}`, t.owner, { role: 'owner' }, 200)
    await call('PATCH', `/tenant/members/${t.ownerId}`, t.owner, { role: 'admin' }, 200)
    // The member's token now acts as an owner: roles are read from the tenant, not the token.
    await call('DELETE', `/tenant/members/${t.ownerId}`, t.memberToken, undefined, 200)
    const left = await call<{ data: { userId: string; role: string }[] }>(
      'GET',
      '/tenant/members',
      t.memberToken,
      undefined,
      200
    )
    expect(left.data).toEqual([expect.objectContaining({ userId: t.memberId, role: 'owner' })])
    // The removed owner's token stops working at once, and the tenant cannot be chosen again.
    expect((await api('GET', '/tenant', t.owner)).status).toBe(403)
    expect(
      (await api('POST', '/auth/scope', t.session.accessToken, { tenantId: t.tenantId })).status
    ).toBe(403)
  })

  it('an admin cannot touch an owner; a removed member loses access', async () => {
    const t = await withMember('admin')
    expect(
      (await api('PATCH', `/tenant/members/${t.ownerId}`, t.memberToken, { role: 'viewer' })).status
    ).toBe(403)
    expect((await api('DELETE', `/tenant/members/${t.ownerId}`, t.memberToken)).status).toBe(403)
    await call('DELETE', `/tenant/members/${t.memberId}`, t.owner, undefined, 200)
    const session = await login(t.email, 'member password!')
    const res = await api('POST', '/auth/scope', session.accessToken, { tenantId: t.tenantId })
    expect(res.status).toBe(403)
    expect(await errorCode(res)).toBe('forbidden')
  })
})

type Event = {
  seq: number
  action: string
  actor: { userId: string; ip?: string }
  target: { id: string }
  before: unknown
  after: unknown
}

describe('admin audit log', () => {
  it('records who changed what, when, from where, with before and after', async () => {
    const t = await ownedTenant()
    const key = await call<{ id: string; key: string }>(
      'POST',
      '/tenant/api-keys',
      t.owner,
      { name: 'ci' },
      201
    )
    await api('DELETE', `/tenant/api-keys/${key.id}`, t.owner, undefined, {
      'cf-connecting-ip': '203.0.113.7',
    })
    const page = await call<{ data: Event[]; next: number | null }>(
      'GET',
      `/tenant/admin-events?target=${key.id}`,
      t.owner,
      undefined,
      200
    )
    expect(page.data.map((e) => e.action)).toEqual(['api_key.created', 'api_key.revoked'])
    const revoked = page.data[1] as Event
    expect(revoked.actor).toMatchObject({ userId: t.session.user.id, ip: '203.0.113.7' })
    expect(revoked.before).toMatchObject({ status: 'active' })
    expect(revoked.after).toMatchObject({ status: 'revoked' })
    // Secrets never reach the log.
    expect(JSON.stringify(page)).not.toContain(key.key)
  })

  it('pages, filters, exports NDJSON, and cannot be edited even from inside the object', async () => {
    const t = await ownedTenant()
    for (let i = 0; i < 5; i++)
      await call('POST', '/tenant/api-keys', t.owner, { name: `k${i}` }, 201)
    const first = await call<{ data: Event[]; next: number }>(
      'GET',
      '/tenant/admin-events?action=api_key.created&limit=3',
      t.owner,
      undefined,
      200
    )
    expect(first.data).toHaveLength(3)
    const second = await call<{ data: Event[]; next: number | null }>(
      'GET',
      `/tenant/admin-events?action=api_key.created&limit=3&after=${first.next}`,
      t.owner,
      undefined,
      200
    )
    // Bootstrap's key plus five.
    expect(first.data.length + second.data.length).toBe(6)
    expect(second.next).toBeNull()
    const exported = await api('GET', '/tenant/admin-events/export', t.owner)
    expect(exported.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Event)
    expect(lines.map((e) => e.action)).toContain('tenant.created')
    expect(lines.filter((e) => e.action === 'api_key.created')).toHaveLength(6)
    expect((await api('GET', '/tenant/admin-events?since=yesterday', t.owner)).status).toBe(400)

    const tampering = await runInDurableObject(
      tenantStub(env, t.tenantId),
      (_i: TenantDO, state) => {
        const attempts = ["UPDATE admin_events SET action = 'nothing'", 'DELETE FROM admin_events']
        return attempts.map((q) => {
          try {
            state.storage.sql.exec(q)
            return 'allowed'
          } catch (err) {
            return String(err)
          }
        })
      }
    )
    expect(tampering).toEqual([
      expect.stringContaining('append-only'),
      expect.stringContaining('append-only'),
    ])
  })
})
