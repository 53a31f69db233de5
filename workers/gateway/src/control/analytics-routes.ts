import { AnalyticsSummary } from '@trueport/contracts'
import { tenantStub } from '@trueport/durable-objects'
import { Hono } from 'hono'
import { z } from 'zod'
import { GatewayError } from '../errors'
import type { ControlEnv } from './env'
import { mount } from './registry'

/** The tenant credential that signs its analytics service's summaries. */
export const SUMMARY_CREDENTIAL = 'analytics-summary'
const TOLERANCE_S = 300

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** Checks `t=<s>,v1=<hex>` over "<t>.<body>" with HMAC-SHA256, in constant time. */
async function signatureValid(
  secret: string,
  body: string,
  header: string,
  now = Date.now()
): Promise<boolean> {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > TOLERANCE_S || !parts.v1) return false
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign']
  )
  const mac = hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${t}.${body}`)))
  if (mac.length !== parts.v1.length) return false
  let diff = 0
  for (let i = 0; i < mac.length; i++) diff |= mac.charCodeAt(i) ^ parts.v1.charCodeAt(i)
  return diff === 0
}

/**
 * What the tenant's on-prem analytics service pushes back: violation counts for the dashboard
 * and keys to quarantine, signed with the tenant's `analytics-summary` credential.
 */
export const analyticsRoutes = new Hono<ControlEnv>()

mount(
  analyticsRoutes,
  {
    method: 'post',
    path: '/analytics/summaries',
    summary: "Receive the analytics service's summary (signed): counts, and keys to quarantine",
    tag: 'analytics',
    access: 'public',
    body: AnalyticsSummary,
    response: z.object({ accepted: z.boolean(), quarantined: z.array(z.string()) }),
  },
  async (c, summary) => {
    // The signature covers the exact bytes sent: the raw text (cached by Hono) is what is checked.
    const raw = await c.req.text()
    const tenant = tenantStub(c.env, summary.tenantId)
    const secret = await tenant.providerCredential(SUMMARY_CREDENTIAL).catch(() => null)
    const header = c.req.header('x-trueport-signature') ?? ''
    if (!secret || !(await signatureValid(secret, raw, header)))
      throw new GatewayError('invalid_token', 'the summary signature does not verify')
    const day = summary.window.to.slice(0, 10)
    const fresh = await tenant.addViolationCounts(
      summary.id,
      summary.counts.map((x) => ({ day, ...x }))
    )
    const quarantined: string[] = []
    if (fresh)
      for (const k of summary.keys.filter((x) => x.quarantine)) {
        const r = await tenant.quarantineApiKey(
          { userId: 'analytics', requestId: c.get('requestId') },
          k.keyId,
          `${k.critical} critical violations reported by the analytics service`
        )
        if (r.ok) quarantined.push(k.keyId)
      }
    return c.json({ accepted: fresh, quarantined })
  }
)
