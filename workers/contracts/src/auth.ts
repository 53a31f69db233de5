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
  /** The sign-in session the token was issued under; revoking the session revokes its tokens. */
  sid: z.string().min(1).optional(),
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

/** Roles a tenant can hand out (platform admins are TruePort's own, never invited). */
export const TenantRole = Role.exclude(['platform_admin'])
export type TenantRole = z.infer<typeof TenantRole>

const Email = z.email().max(254)
const Password = z.string().min(12, 'at least 12 characters').max(256)

export const LoginRequest = z.object({ email: Email, password: z.string().min(1).max(256) })
export type LoginRequest = z.infer<typeof LoginRequest>

/** Asks for a one-time code by email, to sign in or to reset the password. */
export const CodeRequest = z.object({ email: Email, purpose: z.enum(['login', 'reset']) })
export type CodeRequest = z.infer<typeof CodeRequest>

export const CodeLogin = z.object({ email: Email, code: z.string().regex(/^\d{6}$/) })
export type CodeLogin = z.infer<typeof CodeLogin>

export const PasswordReset = CodeLogin.extend({ password: Password })
export type PasswordReset = z.infer<typeof PasswordReset>

export const RefreshRequest = z.object({ refreshToken: z.string().min(10).max(200) })
export type RefreshRequest = z.infer<typeof RefreshRequest>

/** What a sign-in answers: a global access token and the session's refresh token. */
export const SessionTokens = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  refreshToken: z.string(),
  user: z.object({ id: z.string(), email: z.string() }),
})
export type SessionTokens = z.infer<typeof SessionTokens>

/** Chooses the tenant and environment to act in (or switches environment). */
export const SelectScope = z
  .object({
    tenantId: z.string().min(1).optional(),
    slug: z.string().min(1).optional(),
    environment: Environment.default('dev'),
  })
  .refine((v) => v.tenantId || v.slug, 'name the tenant by tenantId or slug')
export type SelectScope = z.infer<typeof SelectScope>

export const ScopedTokenResponse = z.object({
  tokenType: z.literal('Bearer'),
  accessToken: z.string(),
  expiresIn: z.number().int(),
  tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  role: Role,
  environment: Environment,
})
export type ScopedTokenResponse = z.infer<typeof ScopedTokenResponse>

export const InviteRequest = z.object({ email: Email, role: TenantRole.default('member') })
export type InviteRequest = z.infer<typeof InviteRequest>

/** Accepts an invite: a signed-in user whose email matches, or a new user with a password. */
export const InviteAccept = z.object({
  token: z.string().min(20).max(200),
  password: Password.optional(),
})
export type InviteAccept = z.infer<typeof InviteAccept>

export const RoleChange = z.object({ role: TenantRole })
export type RoleChange = z.infer<typeof RoleChange>

/** Who made a control-plane change, for the admin audit log. */
export const Actor = z.object({
  userId: z.string(),
  email: z.string().optional(),
  role: Role.optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  requestId: z.string().optional(),
})
export type Actor = z.infer<typeof Actor>

/**
 * OIDC_PROVIDERS: sign-in providers by name (`google`, `github`, `microsoft`, `okta`...), any
 * issuer with OpenID discovery. The client secret is a secret binding named here, never a var.
 */
export const OidcProviders = z.record(
  z.string().regex(/^[a-z0-9-]{1,32}$/),
  z.object({
    issuer: z.url(),
    clientId: z.string().min(1),
    clientSecretSecret: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'the name of a secret binding'),
    /** Shown on the sign-in button. */
    label: z.string().max(60).optional(),
    scopes: z.string().default('openid email'),
  })
)
export type OidcProviders = z.infer<typeof OidcProviders>
