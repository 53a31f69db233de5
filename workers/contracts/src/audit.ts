import { z } from 'zod'
import { Environment } from './ids'

/**
 * What happens to content (request and response bodies) before it is recorded:
 * - `full`: kept as sent;
 * - `redacted`: PII patterns (emails, phone numbers, card numbers, IBANs, national ids, secrets)
 *   masked;
 * - `metadata`: bodies dropped, only their SHA-256 and size kept.
 */
export const PrivacyMode = z.enum(['full', 'redacted', 'metadata'])
export type PrivacyMode = z.infer<typeof PrivacyMode>

/** Where a tenant's records go: R2 only, R2 and its own bucket, or its own bucket only. */
export const AuditDestinations = z.enum(['r2', 'r2+tenant', 'tenant'])
export type AuditDestinations = z.infer<typeof AuditDestinations>

/** One body as recorded: its digest and size always, its text unless the privacy mode drops it. */
export const RecordedBody = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  /** The body (redacted under `redacted`), absent under `metadata`. */
  text: z.string().optional(),
  /** Cut to the recording limit; the digest and size are of the whole body. */
  truncated: z.boolean().optional(),
})
export type RecordedBody = z.infer<typeof RecordedBody>

/** Token usage as recorded (the OpenAI dialect's, with its cached and reasoning details). */
export const RecordedUsage = z.object({
  prompt_tokens: z.number().int().min(0),
  completion_tokens: z.number().int().min(0),
  total_tokens: z.number().int().min(0),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int().optional() }).optional(),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int().optional() }).optional(),
})

/**
 * One interaction, as it goes into the audit trail. Version 1. A new version adds a literal to
 * `v` and a branch here; readers (the verifier, the analytics service) accept every version.
 */
export const AuditRecordV1 = z.object({
  v: z.literal(1),
  /** The request id (x-request-id), unique per interaction. */
  id: z.string().min(1),
  tenantId: z.string().min(1),
  keyId: z.string().min(1),
  environment: Environment,
  receivedAt: z.iso.datetime(),
  completedAt: z.iso.datetime(),
  route: z.object({
    method: z.string(),
    path: z.string(),
    /** The client dialect: openai, anthropic, gemini, or passthrough. */
    surface: z.string(),
  }),
  /** The model the client asked for (absent where the request names none). */
  model: z.string().optional(),
  /** Where it was served: provider adapter, configured upstream, the model name sent there. */
  provider: z.string().optional(),
  upstream: z.string().optional(),
  servedModel: z.string().optional(),
  /** Requests sent upstream, retries and fallbacks included. */
  attempts: z.number().int().min(0),
  stream: z.boolean(),
  status: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  request: RecordedBody,
  response: RecordedBody.extend({
    /** A stream's assembled text (the deltas joined), under the same privacy mode as bodies. */
    assembled: z.string().optional(),
  }),
  usage: RecordedUsage.optional(),
  costMicroUsd: z.number().int().min(0).optional(),
  priceVersion: z.string().optional(),
  latency: z.object({
    totalMs: z.number().min(0),
    /** Waiting for the provider's answer (its headers). */
    upstreamMs: z.number().min(0),
    /** Everything else: the gateway's own overhead. */
    gatewayMs: z.number().min(0),
  }),
  /** Policy and guardrail decisions taken on the way, in order. */
  decisions: z.array(
    z.object({
      kind: z.enum(['rate_limit', 'budget', 'routing', 'guardrail', 'policy']),
      outcome: z.string(),
      detail: z.string().optional(),
    })
  ),
  client: z.object({ ip: z.string().optional(), userAgent: z.string().optional() }),
  privacy: PrivacyMode,
})
export type AuditRecordV1 = z.infer<typeof AuditRecordV1>

/** Any version of an audit record. */
export const AuditRecord = z.discriminatedUnion('v', [AuditRecordV1])
export type AuditRecord = z.infer<typeof AuditRecord>

/**
 * The first line of every audit batch object: where it sits in its tenant's chain. `prev` is
 * the SHA-256 of the previous batch object's uncompressed bytes (null for the first), and
 * `recordsSha256` that of the record lines that follow this one. The line itself is a JWS
 * (compact, ES256) over this header, so no batch can be rewritten without the signing key.
 */
export const AuditBatchHeader = z.object({
  type: z.literal('trueport.audit.batch'),
  v: z.literal(1),
  tenantId: z.string().min(1),
  seq: z.number().int().min(1),
  prev: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** The hour the batch belongs to, `YYYY-MM-DDTHH` (UTC): its key and manifest derive from it. */
  period: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}$/),
  count: z.number().int().min(1),
  recordsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.iso.datetime(),
})
export type AuditBatchHeader = z.infer<typeof AuditBatchHeader>

/** The signed list of a tenant's batches in one closed hour, written once the hour is over. */
export const AuditManifest = z.object({
  type: z.literal('trueport.audit.manifest'),
  v: z.literal(1),
  tenantId: z.string().min(1),
  period: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}$/),
  batches: z.array(
    z.object({
      seq: z.number().int().min(1),
      key: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      count: z.number().int().min(1),
    })
  ),
  createdAt: z.iso.datetime(),
})
export type AuditManifest = z.infer<typeof AuditManifest>
