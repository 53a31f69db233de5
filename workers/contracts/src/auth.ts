import { z } from 'zod'
import { Environment } from './ids'

/** Roles, most powerful first. `platform_admin` is TruePort's own operators, across tenants. */
export const Role = z.enum(['platform_admin', 'owner', 'admin', 'member', 'viewer'])
export type Role = z.infer<typeof Role>

/** Claims every TruePort access token carries (JWT, ES256). */
const BaseClaims = z.object({
  iss: z.literal('trueport'),
  aud: z.literal('trueport-api'),
  sub: z.string().min(1),
  jti: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
})

/** A signed-in user before a tenant is chosen: it may list tenants and pick one, nothing else. */
export const GlobalTokenClaims = BaseClaims.extend({ typ: z.literal('global') })
export type GlobalTokenClaims = z.infer<typeof GlobalTokenClaims>

/** A user acting in one tenant and environment with one role. */
export const ScopedTokenClaims = BaseClaims.extend({
  typ: z.literal('scoped'),
  tid: z.string().min(1),
  role: Role,
  env: Environment,
})
export type ScopedTokenClaims = z.infer<typeof ScopedTokenClaims>

export const TokenClaims = z.discriminatedUnion('typ', [GlobalTokenClaims, ScopedTokenClaims])
export type TokenClaims = z.infer<typeof TokenClaims>
