import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuditSigner, ObjectStore } from '@trueport/audit'
import type { Db, MongoClient } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { Alerter, type EdgeSummary } from '../src/alerts/alerter'
import { saveAlertSettings, AlertSettings } from '../src/alerts/settings'
import { verifyWebhook } from '../src/alerts/signing'
import { Ingestor } from '../src/ingest/ingestor'
import { analyticsFixture, writeBatch } from './support'

const services = inject('services')
let client: MongoClient
let db: Db
let store: ObjectStore
let signer: AuditSigner
let receiver: Server
let receiverUrl = ''
const received: { path: string; body: string; signature: string }[] = []

beforeAll(async () => {
  ;({ client, db, store, signer } = await analyticsFixture('alerts'))
  // Stands in for the tenant's webhook and the edge's summary endpoint.
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        body,
        signature: String(req.headers['x-trueport-signature'] ?? ''),
      })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()))
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
})
afterAll(async () => {
  await client.close()
  await new Promise((r) => receiver.close(r))
})

const mails = async (to: string) =>
  (await (
    await fetch(`${services.mailInboxUrl}/messages?to=${encodeURIComponent(to)}`)
  ).json()) as { messages: { subject: string; text: string }[] }

const AWS = 'deploy with AKIAIOSFODNN7EXAMPLE please'

describe('alerts', () => {
  it('mails and signs a webhook per new kind of violation, de-duplicated, and tells the edge which key to quarantine', async () => {
    const tenantId = `ten_alert${Date.now()}`
    const to = `sec-${Date.now()}@corp.example`
    await saveAlertSettings(
      db,
      tenantId,
      AlertSettings.parse({
        minSeverity: 'high',
        email: [to],
        webhook: { url: `${receiverUrl}/hook`, secret: 'webhook-secret-0123456789' },
        quarantineAfterCritical: 2,
      })
    )
    const alerter = new Alerter({
      db,
      smtpUrl: `smtp://u:p@127.0.0.1:${services.smtpPort}`,
      edgeSummaryUrl: `${receiverUrl}/edge`,
      edgeSecret: 'edge-secret-0123456789ab',
    })
    const ingestor = new Ingestor({ db, store, auditKeys: [signer.publicJwk], alerter })
    // Three AWS keys (critical), one email (medium: below the threshold), one clean.
    await writeBatch(store, signer, tenantId, 1, [AWS, AWS, AWS, 'mail bob@corp.example', 'hello'])
    expect(await ingestor.poll(tenantId)).toMatchObject({ objects: 1, records: 5 })

    const hooks = received.filter((r) => r.path === '/hook')
    expect(hooks).toHaveLength(1)
    expect(
      verifyWebhook('webhook-secret-0123456789', hooks[0]?.body ?? '', hooks[0]?.signature ?? '')
    ).toBe(true)
    expect(
      verifyWebhook('wrong-secret-000000000', hooks[0]?.body ?? '', hooks[0]?.signature ?? '')
    ).toBe(false)
    expect(JSON.parse(hooks[0]?.body ?? '{}')).toMatchObject({
      kind: 'aws_access_key',
      severity: 'critical',
      count: 3,
    })
    let inbox = await mails(to)
    for (let i = 0; i < 40 && !inbox.messages.length; i++) {
      await new Promise((r) => setTimeout(r, 50))
      inbox = await mails(to)
    }
    expect(inbox.messages).toHaveLength(1)
    expect(inbox.messages[0]?.subject).toContain('critical exfiltration violation (aws_access_key)')

    const edge = received.filter((r) => r.path === '/edge')
    expect(edge).toHaveLength(1)
    expect(
      verifyWebhook('edge-secret-0123456789ab', edge[0]?.body ?? '', edge[0]?.signature ?? '')
    ).toBe(true)
    const summary = JSON.parse(edge[0]?.body ?? '{}') as EdgeSummary
    expect(summary.keys).toEqual([
      expect.objectContaining({ keyId: 'key_test', critical: 3, quarantine: true }),
    ])

    // The same kind on the same key within the window: no second alert, still a summary.
    await writeBatch(store, signer, tenantId, 2, [AWS])
    await ingestor.poll(tenantId)
    expect(received.filter((r) => r.path === '/hook')).toHaveLength(1)
    expect(received.filter((r) => r.path === '/edge')).toHaveLength(2)
    // Re-processing an object (its lease lost mid-way) alerts nothing again.
    await db.collection('ingest_leases').deleteMany({})
    await db.collection('ingest_checkpoints').deleteMany({})
    await ingestor.poll(tenantId)
    expect(received.filter((r) => r.path === '/edge')).toHaveLength(2)
    await alerter.close()
  })

  it("signs each tenant's summary with that tenant's secret, and sends none without one", async () => {
    const secrets: Record<string, string> = {
      ten_a: 'secret-of-tenant-a-000000',
      ten_b: 'secret-of-tenant-b-000000',
    }
    const alerter = new Alerter({
      db,
      edgeSummaryUrl: `${receiverUrl}/multi`,
      edgeSecret: (t) => secrets[t],
    })
    const violation = (tenantId: string) => ({
      id: `v_${tenantId}`,
      tenantId,
      keyId: 'key_1',
      recordId: 'rec_1',
      detector: 'pii' as const,
      kind: 'email',
      severity: 'medium' as const,
      score: 0.99,
      at: new Date(),
    })
    await alerter.pushSummary('ten_b', [violation('ten_b')], 'obj-b')
    const sent = received.filter((r) => r.path === '/multi')
    expect(sent).toHaveLength(1)
    expect(
      verifyWebhook(secrets.ten_b as string, sent[0]?.body ?? '', sent[0]?.signature ?? '')
    ).toBe(true)
    expect(
      verifyWebhook(secrets.ten_a as string, sent[0]?.body ?? '', sent[0]?.signature ?? '')
    ).toBe(false)
    await expect(alerter.pushSummary('ten_c', [violation('ten_c')], 'obj-c')).rejects.toThrow(
      /no summary secret for tenant ten_c/
    )
    expect(received.filter((r) => r.path === '/multi')).toHaveLength(1)
    await alerter.close()
  })

  it('rejects stale and tampered signatures', () => {
    const body = '{"a":1}'
    const header = `t=${Math.floor(Date.now() / 1000) - 3600},v1=00`
    expect(verifyWebhook('s', body, header)).toBe(false)
  })
})
