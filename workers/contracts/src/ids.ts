import { z } from 'zod'

/** Deployment environments a tenant's keys and policies are split by. */
export const Environment = z.enum(['dev', 'staging', 'prod'])
export type Environment = z.infer<typeof Environment>

/** A tenant's URL-safe handle: lowercase letters, digits and single dashes. */
export const TenantSlug = z
  .string()
  .min(2)
  .max(48)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lowercase letters, digits and single dashes')
export type TenantSlug = z.infer<typeof TenantSlug>

/**
 * Public prefix of every TruePort API key: `tp_<env>_`. It lets secret scanners and people
 * recognise a leaked key and tells which environment it belongs to without a lookup.
 */
export const API_KEY_PREFIX = 'tp_'

/** Shape of a full API key as presented by a client: prefix, environment, 32+ random chars. */
export const ApiKeyToken = z.string().regex(/^tp_(dev|staging|prod)_[A-Za-z0-9]{32,64}$/)
export type ApiKeyToken = z.infer<typeof ApiKeyToken>

/** The data-plane endpoints a key may be scoped to. */
export const Endpoint = z.enum([
  'chat',
  'messages',
  'embeddings',
  'models',
  'gemini',
  'passthrough',
])
export type Endpoint = z.infer<typeof Endpoint>
