import type { Db, MongoServerError } from 'mongodb'
import { createTransport, type Transporter } from 'nodemailer'
import type { DetectorId, Severity } from '../detectors'
import { alertSettingsOf, type AlertSettings } from './settings'
import { signWebhook } from './signing'

/** What the alerter hears of one stored violation. */
export interface AlertableViolation {
  id: string
  tenantId: string
  keyId: string
  recordId: string
  detector: DetectorId
  kind: string
  severity: Severity
  score: number
  at: Date
}

/** What the edge is told after each pull: counts, severity, and keys to quarantine. */
export interface EdgeSummary {
  /** The analysed object's key: the edge counts a summary once however often it is delivered. */
  id: string
  tenantId: string
  window: { from: string; to: string }
  counts: { detector: DetectorId; severity: Severity; count: number }[]
  keys: { keyId: string; critical: number; high: number; quarantine: boolean }[]
}

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 }

export interface AlerterOptions {
  db: Db
  /** SMTP (nodemailer URL), e.g. smtp://user:pass@host:587. */
  smtpUrl?: string | undefined
  from?: string
  /** The edge's summary endpoint and, per tenant, the secret its signature uses. */
  edgeSummaryUrl?: string | undefined
  edgeSecret?: string | ((tenantId: string) => string | undefined) | undefined
  fetch?: typeof fetch
  log?: { warn(obj: object, msg: string): void }
}

/**
 * Alerts on new violations by the tenant's settings: email (nodemailer over SMTP) and a signed
 * webhook, at most once per detector, kind and key per de-duplication window (the window is
 * claimed in MongoDB, so several instances never double an alert). After each pull it pushes
 * a summary to the edge's control API, flagging keys for quarantine.
 */
export class Alerter {
  readonly #mail: Transporter | undefined
  readonly #fetch: typeof fetch

  constructor(private readonly o: AlerterOptions) {
    this.#mail = o.smtpUrl ? createTransport(o.smtpUrl) : undefined
    this.#fetch = o.fetch ?? fetch
  }

  /** Alerts on the violations of one pull; answers how many alerts went out and were suppressed. */
  async notify(
    tenantId: string,
    violations: readonly AlertableViolation[]
  ): Promise<{ sent: number; suppressed: number }> {
    const settings = await alertSettingsOf(this.o.db, tenantId)
    let sent = 0
    let suppressed = 0
    const groups = new Map<string, AlertableViolation[]>()
    for (const v of violations) {
      if (RANK[v.severity] < RANK[settings.minSeverity]) continue
      const key = `${tenantId}|${v.detector}|${v.kind}|${v.keyId}`
      groups.set(key, [...(groups.get(key) ?? []), v])
    }
    for (const [dedupe, group] of groups) {
      if (!(await this.#claim(dedupe, settings.dedupeMinutes))) {
        suppressed += group.length
        continue
      }
      await this.#deliver(tenantId, settings, group)
      sent++
      suppressed += group.length - 1
    }
    return { sent, suppressed }
  }

  /** The summary of one pull, pushed to the edge (signed); answers what was sent. */
  async pushSummary(
    tenantId: string,
    violations: readonly AlertableViolation[],
    id: string
  ): Promise<EdgeSummary | null> {
    if (!violations.length) return null
    const settings = await alertSettingsOf(this.o.db, tenantId)
    const counts = new Map<string, { detector: DetectorId; severity: Severity; count: number }>()
    const keys = new Map<
      string,
      { keyId: string; critical: number; high: number; quarantine: boolean }
    >()
    for (const v of violations) {
      const c = counts.get(`${v.detector}|${v.severity}`) ?? {
        detector: v.detector,
        severity: v.severity,
        count: 0,
      }
      c.count++
      counts.set(`${v.detector}|${v.severity}`, c)
      const k = keys.get(v.keyId) ?? { keyId: v.keyId, critical: 0, high: 0, quarantine: false }
      if (v.severity === 'critical') k.critical++
      if (v.severity === 'high') k.high++
      k.quarantine =
        settings.quarantineAfterCritical > 0 && k.critical >= settings.quarantineAfterCritical
      keys.set(v.keyId, k)
    }
    const times = violations.map((v) => v.at.getTime())
    const summary: EdgeSummary = {
      id,
      tenantId,
      window: {
        from: new Date(Math.min(...times)).toISOString(),
        to: new Date(Math.max(...times)).toISOString(),
      },
      counts: [...counts.values()],
      keys: [...keys.values()],
    }
    const secret =
      typeof this.o.edgeSecret === 'function' ? this.o.edgeSecret(tenantId) : this.o.edgeSecret
    if (this.o.edgeSummaryUrl && !secret)
      throw new Error(`no summary secret for tenant ${tenantId} (EDGE_SUMMARY_SECRETS)`)
    if (this.o.edgeSummaryUrl && secret) {
      const body = JSON.stringify(summary)
      const res = await this.#fetch(this.o.edgeSummaryUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-trueport-signature': signWebhook(secret, body),
        },
        body,
      })
      if (!res.ok) throw new Error(`edge summary: ${res.status} ${await res.text()}`)
    }
    return summary
  }

  async close(): Promise<void> {
    this.#mail?.close()
  }

  /** Takes the de-duplication window for an alert; false when one went out within it. */
  async #claim(id: string, minutes: number): Promise<boolean> {
    const state = this.o.db.collection<{ _id: string; lastSentAt: Date }>('alert_state')
    const now = new Date()
    try {
      const r = await state.updateOne(
        { _id: id, lastSentAt: { $lt: new Date(now.getTime() - minutes * 60_000) } },
        { $set: { lastSentAt: now } },
        { upsert: true }
      )
      return r.modifiedCount === 1 || r.upsertedCount === 1
    } catch (err) {
      // The window's document exists and is recent: the upsert collided with it.
      if ((err as MongoServerError).code === 11000) return false
      throw err
    }
  }

  async #deliver(tenantId: string, s: AlertSettings, group: AlertableViolation[]): Promise<void> {
    const v = group[0] as AlertableViolation
    const subject = `[TruePort] ${v.severity} ${v.detector} violation (${v.kind}) on key ${v.keyId}`
    const payload = {
      type: 'trueport.violation.alert',
      tenantId,
      detector: v.detector,
      kind: v.kind,
      severity: v.severity,
      keyId: v.keyId,
      count: group.length,
      violations: group
        .slice(0, 20)
        .map((x) => ({ id: x.id, recordId: x.recordId, score: x.score, at: x.at.toISOString() })),
    }
    const jobs: Promise<unknown>[] = []
    if (s.email.length && this.#mail)
      jobs.push(
        this.#mail.sendMail({
          from: this.o.from ?? 'TruePort analytics <analytics@trueport.local>',
          to: s.email,
          subject,
          text: `${group.length} ${v.detector} violation(s) of kind ${v.kind} (${v.severity}) on key ${v.keyId}.\nFirst: record ${v.recordId} at ${v.at.toISOString()}.\nOpen the dashboard for the evidence.`,
        })
      )
    if (s.webhook) {
      const body = JSON.stringify(payload)
      jobs.push(
        this.#fetch(s.webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-trueport-signature': signWebhook(s.webhook.secret, body),
          },
          body,
        }).then((res) => {
          if (!res.ok) throw new Error(`webhook answered ${res.status}`)
        })
      )
    }
    const results = await Promise.allSettled(jobs)
    for (const r of results)
      if (r.status === 'rejected')
        this.o.log?.warn({ tenantId, err: String(r.reason) }, 'alert delivery failed')
  }
}
