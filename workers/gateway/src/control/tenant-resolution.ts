import type { TokenClaims } from '@trueport/contracts'

export type TenantResolution =
  | { ok: true; tenantId: string; via: 'token' }
  | { ok: true; slug: string; via: 'subdomain' | 'header' }
  | { ok: false; why: string }

/**
 * Which tenant a control-plane request acts on, in this order: the scoped token's `tid`, then
 * the subdomain (`<slug>.<baseDomain>`), then an `X-Tenant-Slug` header, which only local and
 * dev deployments honour. A request that names a tenant in more than one way must name the
 * same one; otherwise, or when none resolves, it is refused (403).
 */
export function resolveTenant(input: {
  claims?: TokenClaims | undefined
  host?: string | undefined
  baseDomain?: string | undefined
  headerSlug?: string | undefined
  environment: string
}): TenantResolution {
  const sub =
    input.baseDomain && input.host?.endsWith(`.${input.baseDomain}`)
      ? input.host.slice(0, -(input.baseDomain.length + 1))
      : undefined
  const slug = sub && /^[a-z0-9-]+$/.test(sub) ? sub : undefined
  const headerAllowed = ['local', 'dev', 'test'].includes(input.environment)
  const header = headerAllowed ? input.headerSlug : undefined
  if (input.claims?.typ === 'scoped') return { ok: true, tenantId: input.claims.tid, via: 'token' }
  if (slug) return { ok: true, slug, via: 'subdomain' }
  if (header) return { ok: true, slug: header, via: 'header' }
  if (input.headerSlug && !headerAllowed)
    return { ok: false, why: 'X-Tenant-Slug is only honoured in local and dev deployments' }
  return { ok: false, why: 'no tenant: use a tenant-scoped token' }
}
