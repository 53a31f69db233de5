import { z } from 'zod'

/**
 * The service's configuration, read from the environment once at boot and validated, so a typo
 * fails the start with a clear message instead of surfacing at the first request.
 */
export const Config = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8788),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** MongoDB (or any wire-compatible server) holding violations and checkpoints. */
  mongoUrl: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// URL')
    .optional(),
  mongoDb: z.string().min(1).default('trueport'),
  /** How long a readiness check waits for each dependency. */
  readinessTimeoutMs: z.coerce.number().int().positive().default(2_000),
})
export type Config = z.infer<typeof Config>

/** Builds the config from `process.env`-style variables; throws listing every bad field. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Config.safeParse({
    host: env.ANALYTICS_HOST,
    port: env.ANALYTICS_PORT,
    logLevel: env.LOG_LEVEL,
    mongoUrl: env.MONGODB_URL || undefined,
    mongoDb: env.MONGODB_DB,
    readinessTimeoutMs: env.READINESS_TIMEOUT_MS,
  })
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid analytics configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
