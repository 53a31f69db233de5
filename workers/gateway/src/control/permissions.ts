import type { Role } from '@trueport/contracts'

/**
 * What a control-plane caller may do. Every route names exactly one permission; the matrix
 * below is the only place roles are mapped to them, and anything not listed is denied.
 */
export const PERMISSIONS = [
  'tenant:read',
  'tenant:write',
  'members:read',
  'members:write',
  'keys:read',
  'keys:write',
  'credentials:read',
  'credentials:write',
  'policies:read',
  'policies:write',
  'audit:read',
  'usage:read',
] as const
export type Permission = (typeof PERMISSIONS)[number]

const READ: Permission[] = [
  'tenant:read',
  'members:read',
  'keys:read',
  'policies:read',
  'usage:read',
]

/** The permission matrix. */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  platform_admin: new Set(PERMISSIONS),
  owner: new Set(PERMISSIONS),
  admin: new Set<Permission>([
    ...READ,
    'members:write',
    'keys:write',
    'credentials:read',
    'credentials:write',
    'policies:write',
    'audit:read',
  ]),
  member: new Set<Permission>([...READ, 'keys:write']),
  viewer: new Set<Permission>(READ),
}

/** Deny by default: a role missing from the matrix, or a permission it lacks, is refused. */
export const can = (role: Role, permission: Permission): boolean =>
  ROLE_PERMISSIONS[role]?.has(permission) ?? false

/** Roles by power: a caller may grant, change or remove only roles at or below its own. */
const RANK: Record<Role, number> = { platform_admin: 4, owner: 3, admin: 2, member: 1, viewer: 0 }
export const outranksOrEquals = (caller: Role, role: Role): boolean => RANK[caller] >= RANK[role]
