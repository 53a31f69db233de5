import type { AuditBatchHeader } from '@trueport/contracts'
import type { JWK } from 'jose'
import { decodeBatch, decodeManifest } from './batch'
import { batchKey, parseBatchKey, periodEnd, tenantPrefix } from './keys'
import type { ObjectStore } from './store'

export type ProblemKind = 'missing' | 'altered' | 'reordered' | 'extra' | 'unsigned'

export interface Problem {
  kind: ProblemKind
  /** The object concerned, where there is one. */
  key?: string
  /** The batch sequence number concerned, where known. */
  seq?: number
  detail: string
}

export interface VerifyReport {
  tenantId: string
  ok: boolean
  batches: number
  records: number
  manifests: number
  lastSeq: number
  /** Hours whose manifest is not due yet: their newest batches are covered by the chain only. */
  openPeriods: string[]
  problems: Problem[]
}

/** A period's manifest is due this long after the hour ends (the writer closes hours lazily). */
export const MANIFEST_GRACE_MS = 2 * 3600_000

interface Found {
  key: string
  sha256: string
  header: AuditBatchHeader
}

/**
 * Walks every object under a tenant's prefix and reports each missing, altered, reordered or
 * extra batch: a batch whose signature or records do not check out is altered; a gap in the
 * sequence, or a batch a signed manifest lists that is not there, is missing; a batch whose
 * `prev` is not its predecessor's hash, or that sits at another batch's key, is reordered; an
 * object that belongs to no batch or manifest of this tenant, or a batch of a closed hour its
 * manifest does not list, is extra. `keys` are the public JWKs the trail may be signed with.
 */
export async function verifyTenant(
  store: ObjectStore,
  tenantId: string,
  keys: JWK[],
  options: { root?: string; now?: number } = {}
): Promise<VerifyReport> {
  const root = options.root ?? ''
  const now = options.now ?? Date.now()
  const prefix = tenantPrefix(tenantId, root)
  const problems: Problem[] = []
  const bySeq = new Map<number, Found>()
  const manifestKeys: string[] = []

  for await (const key of store.list(prefix)) {
    const place = parseBatchKey(key, tenantId, root)
    if (!place) {
      if (/\/manifests\/\d{4}\/\d{2}\/\d{2}\/\d{2}\.json$/.test(key)) manifestKeys.push(key)
      else problems.push({ kind: 'extra', key, detail: 'not an audit object' })
      continue
    }
    const body = await store.get(key)
    if (!body) {
      problems.push({ kind: 'missing', key, seq: place.seq, detail: 'listed but unreadable' })
      continue
    }
    const batch = await decodeBatch(body, keys)
    if (!batch.ok) {
      problems.push({ kind: 'altered', key, seq: place.seq, detail: batch.why })
      continue
    }
    const h = batch.header
    if (h.tenantId !== tenantId) {
      problems.push({ kind: 'extra', key, detail: `a batch of another tenant (${h.tenantId})` })
      continue
    }
    if (h.seq !== place.seq || h.period !== place.period) {
      problems.push({
        kind: 'reordered',
        key,
        seq: h.seq,
        detail: `holds batch ${h.seq} of ${h.period}, which belongs at ${batchKey(tenantId, h.period, h.seq, root)}`,
      })
      continue
    }
    if (bySeq.has(h.seq)) {
      problems.push({ kind: 'extra', key, seq: h.seq, detail: 'a second batch with this number' })
      continue
    }
    bySeq.set(h.seq, { key, sha256: batch.sha256, header: h })
  }

  // The chain: every number from 1 to the newest present, each naming its predecessor's hash.
  const lastSeq = Math.max(0, ...bySeq.keys())
  let records = 0
  for (let seq = 1; seq <= lastSeq; seq++) {
    const b = bySeq.get(seq)
    if (!b) {
      if (!problems.some((p) => p.seq === seq))
        problems.push({ kind: 'missing', seq, detail: `batch ${seq} is not in the bucket` })
      continue
    }
    records += b.header.count
    const before = bySeq.get(seq - 1)
    if (seq === 1 && b.header.prev !== null)
      problems.push({
        kind: 'reordered',
        key: b.key,
        seq,
        detail: 'the first batch names a predecessor',
      })
    if (before && b.header.prev !== before.sha256)
      problems.push({
        kind: 'reordered',
        key: b.key,
        seq,
        detail: `its predecessor's hash is not the one batch ${seq - 1} has`,
      })
  }

  // Manifests: each closed hour's signed list of batches.
  const covered = new Set<string>()
  let manifests = 0
  for (const key of manifestKeys) {
    const body = await store.get(key)
    const m = body ? await decodeManifest(body, keys) : undefined
    if (!m || m.tenantId !== tenantId) {
      problems.push({
        kind: 'altered',
        key,
        detail: 'manifest signature or content does not verify',
      })
      continue
    }
    manifests++
    covered.add(m.period)
    for (const listed of m.batches) {
      const b = bySeq.get(listed.seq)
      if (!b) {
        if (!problems.some((p) => p.seq === listed.seq))
          problems.push({
            kind: 'missing',
            key: listed.key,
            seq: listed.seq,
            detail: `listed by ${m.period}'s manifest`,
          })
      } else if (b.sha256 !== listed.sha256) {
        problems.push({
          kind: 'altered',
          key: b.key,
          seq: listed.seq,
          detail: "not the batch the period's manifest signed",
        })
      }
    }
    const listed = new Set(m.batches.map((b) => b.seq))
    for (const b of bySeq.values()) {
      if (b.header.period === m.period && !listed.has(b.header.seq))
        problems.push({
          kind: 'extra',
          key: b.key,
          seq: b.header.seq,
          detail: `not in ${m.period}'s manifest`,
        })
    }
  }
  const periods = new Set([...bySeq.values()].map((b) => b.header.period))
  const openPeriods: string[] = []
  for (const period of [...periods].sort()) {
    if (covered.has(period)) continue
    if (periodEnd(period) + MANIFEST_GRACE_MS < now)
      problems.push({ kind: 'unsigned', detail: `the manifest of ${period} is missing` })
    else openPeriods.push(period)
  }

  problems.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
  return {
    tenantId,
    ok: problems.length === 0,
    batches: bySeq.size,
    records,
    manifests,
    lastSeq,
    openPeriods,
    problems,
  }
}
