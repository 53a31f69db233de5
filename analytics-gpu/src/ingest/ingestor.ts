import { randomUUID } from 'node:crypto'
import { AuditRecord } from '@trueport/contracts'
import { decodeBatch, parseBatchKey, tenantPrefix, type ObjectStore } from '@trueport/audit'
import type { JWK } from 'jose'
import type { Db } from 'mongodb'
import { detectAll, type TenantRules } from '../detectors'
import type { Alerter } from '../alerts/alerter'
import type { DetectorHealth } from '../detectors/health'
import type { ModelDetectors } from '../detectors/models'
import { saveAnalysed, type AnalysedRecord } from '../store/violations'
import { advanceCheckpoint, checkpointOf, claim, finish, release } from './leases'
import { recordSegments } from './segments'

export interface IngestOptions {
  db: Db
  store: ObjectStore
  /** The audit signing keys (the gateway's `/.well-known/trueport-audit-keys.json`). */
  auditKeys: JWK[]
  /** Key prefix inside the bucket (a tenant bucket's own prefix), '' for R2. */
  root?: string
  leaseMs?: number
  owner?: string
  rulesFor?: (tenantId: string) => TenantRules | undefined
  /** Alerts and the edge summary, after each object. */
  alerter?: Alerter
  /** The model-backed detectors (one encoder pass per text), when loaded. */
  models?: ModelDetectors | undefined
  health?: DetectorHealth | undefined
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void }
}

export interface PollResult {
  objects: number
  records: number
  violations: number
  skipped: number
  failed: number
  checkpoint: string | undefined
}

/**
 * Pulls a tenant's audit batches in key order from its checkpoint, one lease per object so
 * that several instances share the work, verifies each batch's signature, runs the detectors
 * on every record and stores the results. Records are processed idempotently, so an object
 * whose lease expired mid-way and is taken again changes nothing it already wrote.
 */
export class Ingestor {
  readonly owner: string
  readonly #leaseMs: number

  constructor(private readonly o: IngestOptions) {
    this.owner = o.owner ?? `analytics-${randomUUID()}`
    this.#leaseMs = o.leaseMs ?? 5 * 60_000
  }

  async poll(tenantId: string): Promise<PollResult> {
    const { db, store } = this.o
    const root = this.o.root ?? ''
    const prefix = `${tenantPrefix(tenantId, root)}batches/`
    const after = await checkpointOf(db, tenantId)
    const result: PollResult = {
      objects: 0,
      records: 0,
      violations: 0,
      skipped: 0,
      failed: 0,
      checkpoint: after,
    }
    const listed: string[] = []
    for await (const key of store.list(prefix, after)) {
      if (!parseBatchKey(key, tenantId, root)) continue
      listed.push(key)
      if (!(await claim(db, key, tenantId, this.owner, this.#leaseMs))) {
        result.skipped++
        continue
      }
      try {
        const n = await this.#process(tenantId, key)
        await finish(db, key, this.owner, n.records)
        result.objects++
        result.records += n.records
        result.violations += n.violations
      } catch (err) {
        result.failed++
        this.o.log?.warn(
          { key, err: String(err) },
          'audit object not processed; it will be retried'
        )
        await release(db, key, this.owner)
      }
    }
    result.checkpoint = await advanceCheckpoint(db, tenantId, listed)
    return result
  }

  async #process(tenantId: string, key: string): Promise<{ records: number; violations: number }> {
    const body = await this.o.store.get(key)
    if (!body) throw new Error('object vanished between list and get')
    const batch = await decodeBatch(body, this.o.auditKeys)
    // A batch that fails verification is evidence of tampering: never analysed as if genuine.
    if (!batch.ok) throw new Error(`batch does not verify: ${batch.why}`)
    if (batch.header.tenantId !== tenantId) throw new Error('batch belongs to another tenant')
    const rules = this.o.rulesFor?.(tenantId)
    const records = batch.records.flatMap((raw) => {
      const parsed = AuditRecord.safeParse(raw)
      if (parsed.success) return [parsed.data]
      this.o.log?.warn({ key }, 'record is not an audit record; skipped')
      return []
    })
    // Every record of the object at once: the encoder's micro-batcher gathers their texts.
    const items: AnalysedRecord[] = await Promise.all(
      records.map(async (record) => {
        const segments = recordSegments(record)
        const modelled = this.o.models ? await this.o.models.detect(segments) : []
        const patterns = detectAll(segments, {
          rules,
          model: record.servedModel ?? record.model,
          health: this.o.health,
        })
        return { record, segments, findings: [...patterns, ...modelled] }
      })
    )
    const { violations, fresh } = await saveAnalysed(this.o.db, {
      objectKey: key,
      items,
      shard: this.owner,
    })
    if (this.o.alerter && fresh.length) {
      await this.o.alerter.notify(tenantId, fresh)
      await this.o.alerter.pushSummary(tenantId, fresh, key).catch((err: unknown) => {
        this.o.log?.warn({ tenantId, err: String(err) }, 'edge summary not delivered')
      })
    }
    return { records: batch.records.length, violations }
  }
}
