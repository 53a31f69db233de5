import { AuditBatchHeader, AuditManifest, type AuditRecord } from '@trueport/contracts'
import type { JWK } from 'jose'
import { gunzip, gzip, sha256Hex, utf8 } from './bytes'
import type { AuditSigner } from './signing'
import { verifySigned } from './signing'

/**
 * A batch object: one signed header line (a compact JWS over AuditBatchHeader), then one JSON
 * record per line, gzip-compressed. Its chain link is the SHA-256 of the uncompressed bytes,
 * which the next batch's header names as `prev`.
 */
export interface EncodedBatch {
  header: AuditBatchHeader
  /** The gzip object as stored. */
  body: Uint8Array
  /** SHA-256 of the uncompressed object: the next batch's `prev`. */
  sha256: string
}

const recordLines = (records: readonly (AuditRecord | string)[]) =>
  records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n'

/** Builds and signs one batch. `records` may be pre-serialised JSON lines. */
export async function encodeBatch(
  fields: Omit<AuditBatchHeader, 'type' | 'v' | 'count' | 'recordsSha256'>,
  records: readonly (AuditRecord | string)[],
  signer: AuditSigner
): Promise<EncodedBatch> {
  const lines = recordLines(records)
  const header: AuditBatchHeader = {
    type: 'trueport.audit.batch',
    v: 1,
    ...fields,
    count: records.length,
    recordsSha256: await sha256Hex(lines),
  }
  const plain = utf8(`${await signer.sign(utf8(JSON.stringify(header)))}\n${lines}`)
  return { header, body: await gzip(plain), sha256: await sha256Hex(plain) }
}

export type DecodedBatch =
  | { ok: true; header: AuditBatchHeader; records: unknown[]; sha256: string }
  | { ok: false; why: string; sha256?: string }

/** Reads a stored batch back, checking its signature and that its records match the header. */
export async function decodeBatch(body: Uint8Array, keys: JWK[]): Promise<DecodedBatch> {
  let plain: Uint8Array
  try {
    plain = await gunzip(body)
  } catch {
    return { ok: false, why: 'not a gzip object' }
  }
  const sha256 = await sha256Hex(plain)
  const text = new TextDecoder().decode(plain)
  const nl = text.indexOf('\n')
  if (nl === -1) return { ok: false, why: 'no header line', sha256 }
  const payload = await verifySigned(text.slice(0, nl), keys)
  if (!payload) return { ok: false, why: 'header signature does not verify', sha256 }
  const header = AuditBatchHeader.safeParse(JSON.parse(new TextDecoder().decode(payload)))
  if (!header.success) return { ok: false, why: 'header is not a batch header', sha256 }
  const lines = text.slice(nl + 1)
  if ((await sha256Hex(lines)) !== header.data.recordsSha256)
    return { ok: false, why: 'records do not match the signed header', sha256 }
  const records = lines
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as unknown)
  if (records.length !== header.data.count)
    return { ok: false, why: 'record count does not match the header', sha256 }
  return { ok: true, header: header.data, records, sha256 }
}

/** A period's manifest as stored: a compact JWS over AuditManifest. */
export async function encodeManifest(
  manifest: Omit<AuditManifest, 'type' | 'v'>,
  signer: AuditSigner
): Promise<Uint8Array> {
  const full: AuditManifest = { type: 'trueport.audit.manifest', v: 1, ...manifest }
  return utf8(await signer.sign(utf8(JSON.stringify(full))))
}

export async function decodeManifest(
  body: Uint8Array,
  keys: JWK[]
): Promise<AuditManifest | undefined> {
  const payload = await verifySigned(new TextDecoder().decode(body).trim(), keys)
  if (!payload) return undefined
  const parsed = AuditManifest.safeParse(JSON.parse(new TextDecoder().decode(payload)))
  return parsed.success ? parsed.data : undefined
}
