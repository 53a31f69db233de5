import type { Db } from 'mongodb'
import { z } from 'zod'

const Severity = z.enum(['low', 'medium', 'high', 'critical'])

/** A tenant's alerting: who hears about what, and how often at most. */
export const AlertSettings = z.object({
  /** Violations below this severity never alert. */
  minSeverity: Severity.default('high'),
  /** The same detector, kind and key alert at most once per this many minutes. */
  dedupeMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  email: z.array(z.email()).max(20).default([]),
  webhook: z
    .object({
      url: z.url(),
      /** HMAC-SHA256 key for the `x-trueport-signature` header (16+ characters). */
      secret: z.string().min(16).max(200),
    })
    .optional(),
  /** A key with this many critical violations in one pull is flagged for quarantine (0: never). */
  quarantineAfterCritical: z.number().int().min(0).max(10_000).default(5),
})
export type AlertSettings = z.infer<typeof AlertSettings>

export const DEFAULT_ALERTS: AlertSettings = AlertSettings.parse({})

type SettingsDoc = AlertSettings & { _id: string; updatedAt: Date }

const coll = (db: Db) => db.collection<SettingsDoc>('alert_settings')

export async function alertSettingsOf(db: Db, tenantId: string): Promise<AlertSettings> {
  const doc = await coll(db).findOne({ _id: tenantId }, { projection: { _id: 0, updatedAt: 0 } })
  return doc ? AlertSettings.parse(doc) : DEFAULT_ALERTS
}

export async function saveAlertSettings(db: Db, tenantId: string, s: AlertSettings): Promise<void> {
  await coll(db).replaceOne({ _id: tenantId }, { ...s, updatedAt: new Date() }, { upsert: true })
}
