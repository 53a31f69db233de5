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
  /** The control plane's JWKS (`https://<gateway>/.well-known/jwks.json`), or the set inline. */
  controlJwksUrl: z.url().optional(),
  controlJwks: z.string().optional(),
  /** Where the audit objects are: an S3-compatible endpoint (R2's S3 API, MinIO, AWS). */
  s3Endpoint: z.url().optional(),
  s3Region: z.string().default('auto'),
  s3Bucket: z.string().optional(),
  s3Prefix: z.string().default(''),
  s3AccessKeyId: z.string().optional(),
  s3SecretAccessKey: z.string().optional(),
  /** The tenants whose objects this box analyses (comma-separated ids). */
  tenants: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    ),
  /** The audit signing keys: `https://<gateway>/.well-known/trueport-audit-keys.json`, or inline. */
  auditKeysUrl: z.url().optional(),
  auditKeys: z.string().optional(),
  pollIntervalMs: z.coerce.number().int().min(100).default(5_000),
  /** The model repository (Triton layout) and where to run it: auto uses CUDA when present. */
  modelsDir: z.string().optional(),
  modelDevice: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /** Intra-op threads per model session and sessions per model; see planSessions when unset. */
  modelThreads: z.coerce.number().int().min(1).max(64).optional(),
  modelWorkers: z.coerce.number().int().min(1).max(64).optional(),
  /** Alert mail: a nodemailer SMTP URL (smtp://user:pass@host:port). */
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// URL')
    .optional(),
  alertFrom: z.string().default('TruePort analytics <analytics@trueport.local>'),
  /** The edge's summary endpoint (`https://<gateway>/api/v1/analytics/summaries`) and its secret. */
  edgeSummaryUrl: z.url().optional(),
  edgeSummarySecret: z.string().min(16).optional(),
  /**
   * Per-tenant summary secrets for a box serving several tenants (`tenantA=secret,tenantB=...`):
   * each tenant's `analytics-summary` credential at the edge. EDGE_SUMMARY_SECRET is the
   * fallback for tenants not listed.
   */
  edgeSummarySecrets: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: Record<string, string> = {}
      for (const pair of s
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const at = pair.indexOf('=')
        const tenant = (at < 0 ? pair : pair.slice(0, at)).trim()
        const secret = at < 0 ? '' : pair.slice(at + 1).trim()
        if (at < 1 || secret.length < 16) {
          ctx.addIssue({
            code: 'custom',
            message: `"${tenant || pair}": want tenant=secret (16+ characters)`,
          })
          continue
        }
        out[tenant] = secret
      }
      return out
    }),
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
    controlJwksUrl: env.CONTROL_JWKS_URL || undefined,
    controlJwks: env.CONTROL_JWKS || undefined,
    s3Endpoint: env.S3_ENDPOINT || undefined,
    s3Region: env.S3_REGION || undefined,
    s3Bucket: env.S3_BUCKET || undefined,
    s3Prefix: env.S3_PREFIX || undefined,
    s3AccessKeyId: env.S3_ACCESS_KEY_ID || undefined,
    s3SecretAccessKey: env.S3_SECRET_ACCESS_KEY || undefined,
    tenants: env.ANALYTICS_TENANTS || undefined,
    auditKeysUrl: env.AUDIT_KEYS_URL || undefined,
    auditKeys: env.AUDIT_KEYS || undefined,
    pollIntervalMs: env.POLL_INTERVAL_MS || undefined,
    modelsDir: env.MODELS_DIR || undefined,
    modelDevice: env.MODEL_DEVICE || undefined,
    modelThreads: env.MODEL_THREADS || undefined,
    modelWorkers: env.MODEL_WORKERS || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    alertFrom: env.ALERT_FROM || undefined,
    edgeSummaryUrl: env.EDGE_SUMMARY_URL || undefined,
    edgeSummarySecret: env.EDGE_SUMMARY_SECRET || undefined,
    edgeSummarySecrets: env.EDGE_SUMMARY_SECRETS || undefined,
  })
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`invalid analytics configuration:\n${lines.join('\n')}`)
  }
  return parsed.data
}
