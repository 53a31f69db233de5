import type { FastifyPluginAsync } from 'fastify'
import { AlertSettings, alertSettingsOf, saveAlertSettings } from '../alerts/settings'
import { AnalyticsError, parseInput } from '../errors'

const ADMINS = ['owner', 'admin', 'platform_admin'] as const

/** A tenant's alert thresholds, recipients and webhook. The secret is never read back. */
export const alertRoutes: FastifyPluginAsync = async (app) => {
  const db = () => {
    if (!app.mongo) throw new AnalyticsError(503, 'unavailable', 'MongoDB is not configured')
    return app.mongo.db
  }
  app.get('/v1/alerts/settings', { preHandler: app.authenticate(ADMINS) }, async (req) => {
    const s = await alertSettingsOf(db(), req.caller.tid)
    return { ...s, webhook: s.webhook ? { url: s.webhook.url, secret: '********' } : undefined }
  })
  app.put('/v1/alerts/settings', { preHandler: app.authenticate(ADMINS) }, async (req) => {
    const s = parseInput(AlertSettings, req.body)
    await saveAlertSettings(db(), req.caller.tid, s)
    return { ...s, webhook: s.webhook ? { url: s.webhook.url, secret: '********' } : undefined }
  })
}
