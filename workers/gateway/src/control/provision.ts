import type {
  Actor,
  BudgetLimits,
  PrivacyMode,
  RateLimits,
  TenantAuditConfig,
} from '@trueport/contracts'
import { auditStub, directoryStub, tenantStub, type UserRecord } from '@trueport/durable-objects'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'

/**
 * Creates a tenant (or finds the one holding the slug) with its owner: the one path used by
 * POST /api/v1/tenants and by /internal/bootstrap.
 */
export async function provisionTenant(
  env: AppEnv['Bindings'],
  input: {
    slug: string
    name: string
    owner: { email: string; password?: string | undefined }
    limits?: Partial<RateLimits> | undefined
    budget?: Partial<BudgetLimits> | undefined
    audit?: TenantAuditConfig | undefined
  },
  actor: Actor
): Promise<{ tenantId: string; created: boolean; owner: UserRecord }> {
  const directory = directoryStub(env)
  const { tenantId, created } = await directory.claimSlug(input.slug, input.name)
  const tenant = tenantStub(env, tenantId)
  const privacy: PrivacyMode | undefined = input.audit?.privacy
  const init = await tenant.init(
    {
      id: tenantId,
      slug: input.slug,
      name: input.name,
      limits: input.limits,
      budget: input.budget,
      privacy,
    },
    actor
  )
  if (init.conflict) throw new GatewayError('conflict', 'tenant state does not match the directory')
  if (input.audit) {
    const configured = await auditStub(env, tenantId).configure({
      tenantId,
      destinations: input.audit.destinations,
      bucket: input.audit.bucket,
      notifyUrl: input.audit.notifyUrl,
    })
    if (!configured.ok) throw new GatewayError('invalid_request', configured.error)
    await tenant.recordAdminEvent(
      actor,
      'audit.configured',
      { type: 'audit', id: tenantId },
      undefined,
      {
        destinations: input.audit.destinations,
        bucket: input.audit.bucket
          ? { ...input.audit.bucket, secretAccessKey: undefined }
          : undefined,
        notifyUrl: input.audit.notifyUrl,
      }
    )
  }
  const { user } = await directory.ensureUser({
    email: input.owner.email,
    password: input.owner.password,
  })
  await tenant.ensureOwner(user, actor)
  return { tenantId, created, owner: user }
}
