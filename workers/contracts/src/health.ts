import { z } from 'zod'

/** Status of one dependency reported by a readiness probe. */
export const DependencyStatus = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string().optional(),
})
export type DependencyStatus = z.infer<typeof DependencyStatus>

/** Body of every /healthz and /readyz answer. */
export const HealthResponse = z.object({
  status: z.enum(['ok', 'unavailable']),
  service: z.string(),
  version: z.string(),
  checks: z.array(DependencyStatus).optional(),
})
export type HealthResponse = z.infer<typeof HealthResponse>
