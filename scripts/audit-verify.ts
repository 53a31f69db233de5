/**
 * `npm run audit:verify -- --tenant <id> [options]`: walks a tenant's audit objects in R2 (through
 * its S3 API) or any S3-compatible bucket and reports every missing, altered, reordered or
 * extra batch. Exits 0 when the chain verifies, 1 when it does not, 2 on bad usage.
 *
 *   --tenant <id>          the tenant id (required)
 *   --bucket <name>        bucket (default: trueport-audit, or AUDIT_S3_BUCKET)
 *   --endpoint <url>       S3 endpoint (R2: https://<account>.r2.cloudflarestorage.com; or AUDIT_S3_ENDPOINT)
 *   --region <region>      default auto (R2), or AUDIT_S3_REGION
 *   --prefix <prefix>      the tenant bucket's configured prefix, if any
 *   --jwks <file|json>     public key(s) the trail is signed with (a JWKS or one JWK), or AUDIT_JWKS
 *   --json                 print the report as JSON
 * Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (R2: an R2 API token's pair).
 */
import { existsSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { JWK } from 'jose'
import { s3Store, verifyTenant } from '../workers/audit/src'

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    bucket: { type: 'string', default: process.env.AUDIT_S3_BUCKET ?? 'trueport-audit' },
    endpoint: { type: 'string', default: process.env.AUDIT_S3_ENDPOINT },
    region: { type: 'string', default: process.env.AUDIT_S3_REGION ?? 'auto' },
    prefix: { type: 'string', default: '' },
    jwks: { type: 'string', default: process.env.AUDIT_JWKS },
    json: { type: 'boolean', default: false },
  },
})

function usage(message: string): never {
  console.error(
    `audit:verify: ${message}\nusage: npm run audit:verify -- --tenant <id> --jwks <file> [--bucket b] [--endpoint url]`
  )
  process.exit(2)
}

function loadKeys(spec: string | undefined): JWK[] {
  if (!spec) usage('--jwks is required (the public key the audit trail is signed with)')
  const text = existsSync(spec) ? readFileSync(spec, 'utf8') : spec
  const parsed = JSON.parse(text) as { keys?: JWK[] } & JWK
  return parsed.keys ?? [parsed]
}

if (!values.tenant) usage('--tenant is required')
const keys = loadKeys(values.jwks)
const accessKeyId = process.env.AWS_ACCESS_KEY_ID
const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
if (!accessKeyId || !secretAccessKey)
  usage('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set')

const store = s3Store({
  endpoint: values.endpoint,
  region: values.region,
  bucket: values.bucket,
  accessKeyId,
  secretAccessKey,
})
const report = await verifyTenant(store, values.tenant, keys, { root: values.prefix })
if (values.json) {
  console.log(JSON.stringify(report, null, 2))
} else {
  console.log(
    `tenant ${report.tenantId}: ${report.batches} batches, ${report.records} records, ${report.manifests} signed manifests, last batch ${report.lastSeq}`
  )
  if (report.openPeriods.length > 0)
    console.log(`open hours (manifest not due yet): ${report.openPeriods.join(', ')}`)
  for (const p of report.problems)
    console.log(
      `${p.kind.toUpperCase()}${p.seq ? ` batch ${p.seq}` : ''}${p.key ? ` ${p.key}` : ''}: ${p.detail}`
    )
  console.log(
    report.ok ? 'chain verifies' : `chain does NOT verify (${report.problems.length} problems)`
  )
}
process.exit(report.ok ? 0 : 1)
