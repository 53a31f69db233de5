import {
  CodeLogin,
  CodeRequest,
  InviteAccept,
  LoginRequest,
  PasswordReset,
  RefreshRequest,
  ScopedTokenResponse,
  SelectScope,
  SessionTokens,
  type Role,
  type TokenClaims,
} from '@trueport/contracts'
import { directoryStub, inviteTenant, tenantStub } from '@trueport/durable-objects'
import { Hono } from 'hono'
import { z } from 'zod'
import { ACCESS_TOKEN_TTL_S, tokensFor } from '../auth/tokens'
import { GatewayError } from '../errors'
import { mailerFor } from '../services/mailer'
import type { ControlEnv } from './env'
import { accessToken, forgetSession } from './middleware'
import { identityRefusal, tenantRefusal } from './refusals'
import { mount } from './registry'
import { signIn, tokensOf } from './sessions'

const Accepted = z.object({ accepted: z.literal(true) })

/** Sign-in, codes, refresh, sign-out and choosing a tenant: everything before a scoped token. */
export const authRoutes = new Hono<ControlEnv>()

mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with email and password',
    tag: 'auth',
    access: 'public',
    body: LoginRequest,
    response: SessionTokens,
  },
  async (c, body) => {
    const r = await directoryStub(c.env).login(body.email, body.password)
    if (!r.ok) identityRefusal(r.error)
    return c.json(await signIn(c, r.user))
  }
)

mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/codes',
    summary: 'Email a one-time code (sign-in or password reset)',
    tag: 'auth',
    access: 'public',
    body: CodeRequest,
    response: Accepted,
    status: 202,
  },
  async (c, body) => {
    const r = await directoryStub(c.env).issueCode(body.email, body.purpose)
    // The answer is the same whether or not the account exists.
    if (r.ok) {
      const what = body.purpose === 'login' ? 'sign in' : 'reset your password'
      await mailerFor(c.env.MAIL_URL, c.env.MAIL_FROM ?? 'TruePort <no-reply@trueport.local>').send(
        {
          to: body.email,
          subject: `Your TruePort code: ${r.code}`,
          text: `Use ${r.code} to ${what}. It expires in 10 minutes. If you did not ask for it, ignore this mail.`,
        }
      )
    } else if (r.error === 'throttled') identityRefusal(r.error)
    return c.json({ accepted: true as const }, 202)
  }
)

mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/codes/verify',
    summary: 'Sign in with an emailed one-time code',
    tag: 'auth',
    access: 'public',
    body: CodeLogin,
    response: SessionTokens,
  },
  async (c, body) => {
    const r = await directoryStub(c.env).redeemCode(body.email, 'login', body.code)
    if (!r.ok) identityRefusal(r.error)
    return c.json(await signIn(c, r.user))
  }
)

mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/password/reset',
    summary: 'Set a new password with an emailed reset code (signs out every session)',
    tag: 'auth',
    access: 'public',
    body: PasswordReset,
    response: SessionTokens,
  },
  async (c, body) => {
    const r = await directoryStub(c.env).resetPassword(body.email, body.code, body.password)
    if (!r.ok) identityRefusal(r.error)
    return c.json(await signIn(c, r.user))
  }
)

mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/refresh',
    summary: 'Trade a refresh token for new tokens (rotating; a reused one ends the session)',
    tag: 'auth',
    access: 'public',
    body: RefreshRequest,
    response: SessionTokens,
  },
  async (c, body) => {
    const r = await directoryStub(c.env).refresh(body.refreshToken)
    if (!r.ok) identityRefusal(r.error)
    return c.json(await tokensOf(c, r.user, r.sessionId, r.refreshToken))
  }
)

authRoutes.use('/auth/logout', accessToken())
mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/logout',
    summary: "Sign out: revokes this token's session and its refresh token",
    tag: 'auth',
    access: 'user',
    response: z.object({ revoked: z.boolean() }),
  },
  async (c) => {
    const sid = c.get('claims').sid
    if (!sid) throw new GatewayError('invalid_request', 'this token belongs to no session')
    const revoked = await directoryStub(c.env).revokeSession(sid)
    forgetSession(sid)
    return c.json({ revoked })
  }
)

authRoutes.use('/auth/scope', accessToken())
mount(
  authRoutes,
  {
    method: 'post',
    path: '/auth/scope',
    summary: 'Choose a tenant and environment (or switch environment): a new scoped token',
    tag: 'auth',
    access: 'user',
    body: SelectScope,
    response: ScopedTokenResponse,
  },
  async (c, body) => {
    const claims = c.get('claims')
    const directory = directoryStub(c.env)
    const tenantId = body.tenantId ?? (body.slug ? await directory.lookupSlug(body.slug) : null)
    const [info, member, user] = await Promise.all([
      tenantId ? directory.tenantInfo(tenantId) : null,
      tenantId ? tenantStub(c.env, tenantId).member(claims.sub) : null,
      directory.user(claims.sub),
    ])
    // Not a member and no platform admin: the same answer as a tenant that does not exist.
    const role: Role | null = member
      ? (member.role as Role)
      : user?.platformAdmin
        ? 'platform_admin'
        : null
    if (!info || !role || !user) throw new GatewayError('forbidden', 'no such tenant for this user')
    const token = await (
      await tokensFor(c.env.AUTH_SIGNING_KEY)
    ).issueScoped({
      userId: claims.sub,
      tenantId: info.id,
      role,
      env: body.environment,
      sessionId: claims.sid,
    })
    return c.json({
      tokenType: 'Bearer' as const,
      accessToken: token,
      expiresIn: ACCESS_TOKEN_TTL_S,
      tenant: info,
      role,
      environment: body.environment,
    })
  }
)

authRoutes.use('/invites/accept', accessToken({ optional: true }))
mount(
  authRoutes,
  {
    method: 'post',
    path: '/invites/accept',
    summary:
      'Accept an invite: signed in as the invited email, or as a new account with a password',
    tag: 'members',
    access: 'public',
    body: InviteAccept,
    response: z.object({
      tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
      role: z.string(),
      session: SessionTokens.optional(),
    }),
  },
  async (c, body) => {
    const tenantId = inviteTenant(body.token)
    if (!tenantId) throw new GatewayError('not_found', 'this invite is not valid')
    const tenant = tenantStub(c.env, tenantId)
    const directory = directoryStub(c.env)
    const claims = c.get('claims') as TokenClaims | undefined
    if (claims) {
      const user = await directory.user(claims.sub)
      if (!user) throw new GatewayError('invalid_token', 'unknown user')
      const r = await tenant.acceptInvite(body.token, user)
      if (!r.ok) tenantRefusal(r)
      return c.json({ tenant: r.tenant, role: r.member.role })
    }
    // No token: the invite link itself proves the mailbox; a new account is made for it.
    const invited = await tenant.peekInvite(body.token)
    if (!invited)
      throw new GatewayError('not_found', 'this invite is not valid (used, revoked or expired)')
    if (await directory.userByEmail(invited.email))
      throw new GatewayError(
        'forbidden',
        'this email has an account: sign in, then accept the invite'
      )
    if (!body.password)
      throw new GatewayError('invalid_request', 'a password is required for a new account', {
        param: 'password',
      })
    const { user } = await directory.ensureUser({ email: invited.email, password: body.password })
    const r = await tenant.acceptInvite(body.token, user)
    if (!r.ok) tenantRefusal(r)
    return c.json({ tenant: r.tenant, role: r.member.role, session: await signIn(c, user) })
  }
)
