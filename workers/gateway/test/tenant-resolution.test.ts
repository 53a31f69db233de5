import { describe, expect, it } from 'vitest'
import { can, PERMISSIONS, ROLE_PERMISSIONS } from '../src/control/permissions'
import { resolveTenant } from '../src/control/tenant-resolution'

const scoped = {
  typ: 'scoped' as const,
  tid: 'ten_a',
  role: 'admin' as const,
  env: 'dev' as const,
  iss: 'trueport' as const,
  aud: 'trueport-api' as const,
  sub: 'u',
  jti: 'j',
  iat: 0,
  exp: 1,
}

describe('tenant resolution', () => {
  it('takes the token first, then the subdomain, then the dev-only header', () => {
    expect(resolveTenant({ claims: scoped, environment: 'production' })).toEqual({
      ok: true,
      tenantId: 'ten_a',
      via: 'token',
    })
    expect(
      resolveTenant({
        host: 'acme.trueport.example',
        baseDomain: 'trueport.example',
        environment: 'production',
      })
    ).toEqual({ ok: true, slug: 'acme', via: 'subdomain' })
    expect(resolveTenant({ headerSlug: 'acme', environment: 'dev' })).toEqual({
      ok: true,
      slug: 'acme',
      via: 'header',
    })
    expect(resolveTenant({ headerSlug: 'acme', environment: 'production' })).toMatchObject({
      ok: false,
    })
    expect(resolveTenant({ environment: 'production' })).toMatchObject({ ok: false })
    expect(
      resolveTenant({
        host: 'evil.example',
        baseDomain: 'trueport.example',
        environment: 'production',
      })
    ).toMatchObject({ ok: false })
  })
})

describe('permission matrix', () => {
  it('denies by default and never lets a lower role hold what a higher one lacks', () => {
    const order = ['platform_admin', 'owner', 'admin', 'member', 'viewer'] as const
    for (let i = 1; i < order.length; i++) {
      const higher = ROLE_PERMISSIONS[order[i - 1] ?? 'viewer']
      for (const p of ROLE_PERMISSIONS[order[i] ?? 'viewer']) expect(higher.has(p)).toBe(true)
    }
    expect(can('viewer', 'keys:write')).toBe(false)
    expect(can('member', 'credentials:read')).toBe(false)
    expect(can('admin', 'tenant:write')).toBe(false)
    expect(PERMISSIONS.every((p) => can('owner', p))).toBe(true)
    expect(can('nobody' as never, 'tenant:read')).toBe(false)
  })
})
