import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
// Relative, not the package name: vitest's config loads this file too, and bundles only relative imports.
import { generateSigningJwk } from '../../workers/audit/src/signing'

/** Secrets a local run needs and a deployment keeps in `wrangler secret`. */
export interface LocalSecrets {
  /** Private EC P-256 JWK (JSON) that signs the audit trail. */
  AUDIT_SIGNING_KEY: string
  /** Private EC P-256 JWK (JSON) that signs access tokens. */
  AUTH_SIGNING_KEY: string
  /** Key-encryption key for stored credentials: 32 random bytes, base64. */
  CREDENTIALS_KEK: string
  CREDENTIALS_KEK_ID: string
}

/** Fresh secrets, e.g. for a test run. */
export async function newLocalSecrets(): Promise<LocalSecrets> {
  return {
    AUDIT_SIGNING_KEY: JSON.stringify(await generateSigningJwk('local-audit')),
    AUTH_SIGNING_KEY: JSON.stringify(await generateSigningJwk('local-auth')),
    CREDENTIALS_KEK: randomBytes(32).toString('base64'),
    CREDENTIALS_KEK_ID: 'local-kek-1',
  }
}

/**
 * The local run's secrets, made once and kept beside its state, so the audit trail written in
 * one session still verifies in the next.
 */
export async function localSecrets(file: string): Promise<LocalSecrets> {
  const kept = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<LocalSecrets>)
    : {}
  // Secrets added since the file was written are made now; the ones it has are kept.
  const secrets = { ...(await newLocalSecrets()), ...kept }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 })
  return secrets
}
