import {
  ApiKeyCreate,
  ApiKeyListing,
  ApiKeyRotate,
  ApiKeyUpdate,
  CredentialPut,
  Environment,
  InviteRequest,
  IssuedApiKey,
  Member,
  PolicyDocument,
  PolicyVersion,
  ResolvedPolicy,
  RoleChange,
  type PolicyScope,
  type Role,
} from '@trueport/contracts'
import { tenantStub } from '@trueport/durable-objects'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { GatewayError } from '../errors'
import { mailerFor } from '../services/mailer'
import { actorOf } from './actor'
import type { ControlEnv } from './env'
import { can, outranksOrEquals } from './permissions'
import { tenantRefusal } from './refusals'
import { mount } from './registry'

const tenantOf = (c: Context<ControlEnv>) => tenantStub(c.env, c.get('scope').tid)
const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) })

/** /tenant/*: what a tenant-scoped caller manages in its own tenant. */
export const tenantRoutes = new Hono<ControlEnv>()

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant',
    summary: 'The tenant the token acts on, and the caller role',
    tag: 'tenant',
    access: 'tenant:read',
  },
  async (c) => {
    const scope = c.get('scope')
    return c.json({ tenant: await tenantOf(c).info(), role: scope.role, environment: scope.env })
  }
)

// ---- members and invites ------------------------------------------------------------------

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/members',
    summary: 'List members',
    tag: 'members',
    access: 'members:read',
    response: list(Member),
  },
  async (c) => c.json({ data: await tenantOf(c).listMembers() })
)

/** Refuses changes to a member whose role is above the caller's, or grants above it. */
async function guardRank(c: Context<ControlEnv>, userId: string, newRole?: Role): Promise<void> {
  const caller = c.get('scope').role
  const target = await tenantOf(c).member(userId)
  if (!target) throw new GatewayError('not_found', 'no such member in this tenant')
  if (
    !outranksOrEquals(caller, target.role as Role) ||
    (newRole && !outranksOrEquals(caller, newRole))
  )
    throw new GatewayError(
      'forbidden',
      `role ${caller} may not change a member to or from that role`
    )
}

mount(
  tenantRoutes,
  {
    method: 'patch',
    path: '/tenant/members/:userId',
    summary: "Change a member's role (the last owner stays an owner)",
    tag: 'members',
    access: 'members:write',
    body: RoleChange,
    response: Member,
  },
  async (c, body) => {
    const userId = c.req.param('userId') as string
    await guardRank(c, userId, body.role)
    const r = await tenantOf(c).changeRole(actorOf(c), userId, body.role)
    if (!r.ok) tenantRefusal(r)
    return c.json(r.member)
  }
)

mount(
  tenantRoutes,
  {
    method: 'delete',
    path: '/tenant/members/:userId',
    summary: 'Remove a member (never the last owner)',
    tag: 'members',
    access: 'members:write',
    response: z.object({ removed: z.literal(true) }),
  },
  async (c) => {
    const userId = c.req.param('userId') as string
    await guardRank(c, userId)
    const r = await tenantOf(c).removeMember(actorOf(c), userId)
    if (!r.ok) tenantRefusal(r)
    return c.json({ removed: true as const })
  }
)

const InviteListing = z.object({
  id: z.string(),
  email: z.string(),
  role: z.string(),
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
})

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/invites',
    summary: 'List invites',
    tag: 'members',
    access: 'members:read',
    response: list(InviteListing),
  },
  async (c) => c.json({ data: await tenantOf(c).listInvites() })
)

mount(
  tenantRoutes,
  {
    method: 'post',
    path: '/tenant/invites',
    summary: 'Invite someone by email (the link is mailed to them, never returned)',
    tag: 'members',
    access: 'members:write',
    body: InviteRequest,
    response: InviteListing,
    status: 201,
  },
  async (c, body) => {
    const caller = c.get('scope').role
    if (!outranksOrEquals(caller, body.role))
      throw new GatewayError('forbidden', `role ${caller} may not invite a ${body.role}`)
    const tenant = tenantOf(c)
    const r = await tenant.createInvite(actorOf(c), body)
    if (!r.ok) tenantRefusal(r)
    const info = await tenant.info()
    const link = `${c.env.DASHBOARD_URL ?? 'http://127.0.0.1:8788'}/invite?token=${r.token}`
    await mailerFor(c.env.MAIL_URL, c.env.MAIL_FROM ?? 'TruePort <no-reply@trueport.local>').send({
      to: body.email,
      subject: `You are invited to ${info?.name ?? 'a tenant'} on TruePort`,
      text: `You have been invited to ${info?.name} as ${body.role}.\nAccept: ${link}\nInvite token: ${r.token}\nThe invite expires in 7 days.`,
    })
    return c.json(r.invite, 201)
  }
)

mount(
  tenantRoutes,
  {
    method: 'delete',
    path: '/tenant/invites/:id',
    summary: 'Revoke a pending invite',
    tag: 'members',
    access: 'members:write',
    response: InviteListing,
  },
  async (c) => {
    const r = await tenantOf(c).revokeInvite(actorOf(c), c.req.param('id') as string)
    if (!r.ok) tenantRefusal(r)
    return c.json(r.invite)
  }
)

// ---- API keys -----------------------------------------------------------------------------

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/api-keys',
    summary: 'List API keys (never their secrets)',
    tag: 'api-keys',
    access: 'keys:read',
    response: list(ApiKeyListing),
  },
  async (c) => c.json({ data: await tenantOf(c).listApiKeys() })
)

mount(
  tenantRoutes,
  {
    method: 'post',
    path: '/tenant/api-keys',
    summary: 'Issue an API key: its secret is in this answer only',
    tag: 'api-keys',
    access: 'keys:write',
    body: ApiKeyCreate,
    response: IssuedApiKey,
    status: 201,
  },
  async (c, body) => {
    const scope = c.get('scope')
    // Limits, budgets and policy are policy: creating a key does not let a member set them.
    if ((body.policy || body.limits || body.budget) && !can(scope.role, 'policies:write'))
      throw new GatewayError('forbidden', `role ${scope.role} may not set a key's policy`)
    const issued = await tenantOf(c).issueApiKey(
      { ...body, environment: body.environment ?? scope.env },
      actorOf(c)
    )
    return c.json(issued, 201)
  }
)

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/api-keys/:id',
    summary: 'One API key',
    tag: 'api-keys',
    access: 'keys:read',
    response: ApiKeyListing,
  },
  async (c) => {
    const key = await tenantOf(c).apiKey(c.req.param('id') as string)
    if (!key) throw new GatewayError('not_found', 'no such API key in this tenant')
    return c.json(key)
  }
)

mount(
  tenantRoutes,
  {
    method: 'patch',
    path: '/tenant/api-keys/:id',
    summary: "Change a key's name, expiry, IP allowlist or endpoint scopes",
    tag: 'api-keys',
    access: 'keys:write',
    body: ApiKeyUpdate,
    response: ApiKeyListing,
  },
  async (c, body) => {
    const r = await tenantOf(c).updateApiKey(actorOf(c), c.req.param('id') as string, body)
    if (!r.ok) tenantRefusal(r)
    return c.json(r.key)
  }
)

mount(
  tenantRoutes,
  {
    method: 'post',
    path: '/tenant/api-keys/:id/rotate',
    summary: 'Rotate: a new key now, the old one valid for a grace period',
    tag: 'api-keys',
    access: 'keys:write',
    body: ApiKeyRotate,
    response: z.object({ issued: IssuedApiKey, previous: ApiKeyListing }),
    status: 201,
  },
  async (c, body) => {
    const r = await tenantOf(c).rotateApiKey(
      actorOf(c),
      c.req.param('id') as string,
      body.graceSeconds
    )
    if (!r.ok) tenantRefusal(r)
    return c.json({ issued: r.issued, previous: r.previous }, 201)
  }
)

mount(
  tenantRoutes,
  {
    method: 'delete',
    path: '/tenant/api-keys/:id',
    summary: 'Revoke a key (refused at the gateway within seconds)',
    tag: 'api-keys',
    access: 'keys:write',
    response: z.object({ id: z.string(), status: z.literal('revoked') }),
  },
  async (c) => {
    const id = c.req.param('id') as string
    if (!(await tenantOf(c).revokeApiKey(id, actorOf(c))))
      throw new GatewayError('not_found', 'no such API key in this tenant')
    return c.json({ id, status: 'revoked' as const })
  }
)

mount(
  tenantRoutes,
  {
    method: 'post',
    path: '/tenant/api-keys/:id/release',
    summary: 'Release a key quarantined after security violations',
    tag: 'api-keys',
    // Lifting a security hold is an admin's call, not every key holder's.
    access: 'policies:write',
    response: ApiKeyListing,
  },
  async (c) => {
    const r = await tenantOf(c).releaseApiKey(actorOf(c), c.req.param('id') as string)
    if (!r.ok) tenantRefusal(r)
    return c.json(r.key)
  }
)

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/violations/daily',
    summary:
      'Violation counts per day, detector and severity, as the analytics service reported them',
    tag: 'analytics',
    access: 'audit:read',
    query: z.object({ from: z.string().optional(), to: z.string().optional() }),
  },
  async (c) => {
    const day = /^\d{4}-\d{2}-\d{2}$/
    const to = c.req.query('to') ?? new Date().toISOString().slice(0, 10)
    const from =
      c.req.query('from') ?? new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10)
    if (!day.test(from) || !day.test(to))
      throw new GatewayError('invalid_request', 'from and to are days, YYYY-MM-DD')
    return c.json({ from, to, data: await tenantOf(c).violationCounts(from, to) })
  }
)

// ---- policies -----------------------------------------------------------------------------

/** The layer a policy route addresses. */
function scopeOf(c: Context<ControlEnv>): PolicyScope {
  const env = c.req.param('environment')
  const key = c.req.param('id')
  if (env) {
    const parsed = Environment.safeParse(env)
    if (!parsed.success) throw new GatewayError('not_found', `no environment "${env}"`)
    return `env:${parsed.data}`
  }
  if (key) {
    if (!/^key_[A-Za-z0-9]{20}$/.test(key)) throw new GatewayError('not_found', 'no such API key')
    return `key:${key}` as PolicyScope
  }
  return 'tenant'
}

const PolicyHistory = z.object({
  current: PolicyVersion.nullable(),
  history: z.array(PolicyVersion),
})

for (const [path, what] of [
  ['/tenant/policies/tenant', 'the tenant layer'],
  ['/tenant/policies/environments/:environment', 'an environment layer'],
  ['/tenant/api-keys/:id/policy', "a key's own layer"],
] as const) {
  mount(
    tenantRoutes,
    {
      method: 'get',
      path,
      summary: `The policy of ${what}, with its versions`,
      tag: 'policies',
      access: 'policies:read',
      response: PolicyHistory,
    },
    async (c) => {
      const scope = scopeOf(c)
      if (scope.startsWith('key:') && !(await tenantOf(c).apiKey(scope.slice(4))))
        throw new GatewayError('not_found', 'no such API key in this tenant')
      const history = await tenantOf(c).policyHistory(scope)
      return c.json({ current: history[0] ?? null, history })
    }
  )
  mount(
    tenantRoutes,
    {
      method: 'put',
      path,
      summary: `Store a new version of ${what}; every key it governs is republished`,
      tag: 'policies',
      access: 'policies:write',
      body: PolicyDocument,
      response: z.object({ policy: PolicyVersion, republished: z.number() }),
    },
    async (c, body) => {
      const r = await tenantOf(c).setPolicy(actorOf(c), scopeOf(c), body)
      if (!r.ok) tenantRefusal(r)
      return c.json({ policy: r.policy, republished: r.republished })
    }
  )
}

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/policies/resolved',
    summary: 'What governs a key (?keyId=) or a new key in an environment (?environment=)',
    tag: 'policies',
    access: 'policies:read',
    query: z.object({ keyId: z.string().optional(), environment: Environment.optional() }),
    response: ResolvedPolicy,
  },
  async (c) => {
    const keyId = c.req.query('keyId')
    const env = Environment.safeParse(c.req.query('environment') ?? c.get('scope').env)
    if (!env.success)
      throw new GatewayError('invalid_request', 'unknown environment', { param: 'environment' })
    const r = await tenantOf(c).resolvedPolicy(keyId ? { keyId } : { environment: env.data })
    if (!r.ok) tenantRefusal(r)
    return c.json(r.policy)
  }
)

// ---- provider credentials -----------------------------------------------------------------

const CredentialListing = z.object({
  name: z.string(),
  provider: z.string(),
  hint: z.string(),
  kek: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

mount(
  tenantRoutes,
  {
    method: 'get',
    path: '/tenant/credentials',
    summary: 'List provider credentials (a hint of each, never the secret)',
    tag: 'credentials',
    access: 'credentials:read',
    response: list(CredentialListing),
  },
  async (c) => c.json({ data: await tenantOf(c).listProviderCredentials() })
)

mount(
  tenantRoutes,
  {
    method: 'put',
    path: '/tenant/credentials/:name',
    summary: 'Store a provider key, sealed with envelope encryption',
    tag: 'credentials',
    access: 'credentials:write',
    body: CredentialPut,
    response: CredentialListing,
  },
  async (c, body) => {
    const r = await tenantOf(c).setProviderCredential(
      { name: c.req.param('name') as string, ...body },
      actorOf(c)
    )
    if (!r.ok) throw new GatewayError('invalid_request', r.error)
    return c.json(r.credential)
  }
)

mount(
  tenantRoutes,
  {
    method: 'delete',
    path: '/tenant/credentials/:name',
    summary: 'Delete a provider key',
    tag: 'credentials',
    access: 'credentials:write',
    response: z.object({ deleted: z.literal(true) }),
  },
  async (c) => {
    if (!(await tenantOf(c).deleteProviderCredential(c.req.param('name') as string, actorOf(c))))
      throw new GatewayError('not_found', 'no such credential')
    return c.json({ deleted: true as const })
  }
)

mount(
  tenantRoutes,
  {
    method: 'post',
    path: '/tenant/credentials/rewrap',
    summary: 'Re-wrap every credential under the current key-encryption key',
    tag: 'credentials',
    access: 'credentials:write',
    response: z.object({ rewrapped: z.number(), total: z.number() }),
  },
  async (c) => c.json(await tenantOf(c).rotateCredentials(undefined, actorOf(c)))
)
