import { s3Store } from '@trueport/audit'
import fp from 'fastify-plugin'
import type { JWK } from 'jose'
import { z } from 'zod'
import { Alerter } from '../alerts/alerter'
import type { Config } from '../config'
import { Ingestor, type PollResult } from '../ingest/ingestor'
import { ensureViolationIndexes } from '../store/violations'

declare module 'fastify' {
  interface FastifyInstance {
    /** Polls a tenant now (a push notification, a test); null when ingestion is not configured. */
    ingest: { poll(tenantId: string): Promise<PollResult>; tenants: string[] } | null
  }
}

async function auditKeysOf(config: Config): Promise<JWK[]> {
  if (config.auditKeys) return (JSON.parse(config.auditKeys) as { keys: JWK[] }).keys
  if (!config.auditKeysUrl) return []
  const res = await fetch(config.auditKeysUrl)
  if (!res.ok) throw new Error(`audit keys: ${config.auditKeysUrl} answered ${res.status}`)
  return ((await res.json()) as { keys: JWK[] }).keys
}

/**
 * Pulls the configured tenants' audit objects every POLL_INTERVAL_MS, and at once when the
 * edge pushes a notification (POST /v1/ingest/notify: a hint only, the object is read and
 * verified from storage like any other). One poll per tenant at a time per instance; other
 * instances share the work through leases.
 */
export const ingestPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const db = app.mongo?.db
    if (!db || !config.s3Bucket || !config.s3AccessKeyId || !config.s3SecretAccessKey) {
      app.decorate('ingest', null)
      return
    }
    await ensureViolationIndexes(db)
    const alerter = new Alerter({
      db,
      smtpUrl: config.smtpUrl,
      from: config.alertFrom,
      edgeSummaryUrl: config.edgeSummaryUrl,
      edgeSecret: (tenantId) => config.edgeSummarySecrets[tenantId] ?? config.edgeSummarySecret,
      log: app.log,
    })
    app.addHook('onClose', () => alerter.close())
    const ingestor = new Ingestor({
      alerter,
      models: app.models ?? undefined,
      health: app.detectorHealth,
      db,
      store: s3Store({
        endpoint: config.s3Endpoint,
        region: config.s3Region,
        bucket: config.s3Bucket,
        accessKeyId: config.s3AccessKeyId,
        secretAccessKey: config.s3SecretAccessKey,
      }),
      auditKeys: await auditKeysOf(config),
      root: config.s3Prefix,
      log: app.log,
    })
    const running = new Map<string, Promise<PollResult>>()
    const again = new Set<string>()
    const poll = (tenantId: string): Promise<PollResult> => {
      const current = running.get(tenantId)
      if (current) {
        again.add(tenantId)
        return current
      }
      const run = ingestor.poll(tenantId).finally(() => {
        running.delete(tenantId)
        if (again.delete(tenantId)) void poll(tenantId).catch(() => undefined)
      })
      running.set(tenantId, run)
      return run
    }
    app.decorate('ingest', { poll, tenants: config.tenants })
    const timer = setInterval(() => {
      for (const t of config.tenants)
        poll(t).catch((err: unknown) =>
          app.log.warn({ tenantId: t, err: String(err) }, 'poll failed')
        )
    }, config.pollIntervalMs)
    timer.unref()
    app.addHook('onClose', async () => {
      clearInterval(timer)
      await Promise.allSettled(running.values())
    })

    const Notice = z.object({
      tenantId: z.string().min(1),
      key: z.string().min(1),
      seq: z.number().int().optional(),
    })
    app.post('/v1/ingest/notify', async (req, reply) => {
      const notice = Notice.safeParse(req.body)
      if (!notice.success || !config.tenants.includes(notice.data.tenantId))
        return reply.code(404).send({
          error: {
            message: 'not a tenant of this box',
            type: 'invalid_request_error',
            code: 'not_found',
          },
        })
      void poll(notice.data.tenantId).catch(() => undefined)
      return reply.code(202).send({ accepted: true })
    })
  },
  { name: 'ingest', dependencies: ['mongo', 'models'] }
)
