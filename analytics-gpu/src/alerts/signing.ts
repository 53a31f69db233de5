import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Webhook signatures, Stripe-style: `x-trueport-signature: t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<t>.<body>">`. The timestamp inside the MAC stops replays of old deliveries.
 */
export function signWebhook(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000)
  const mac = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  return `t=${t},v1=${mac}`
}

/** Checks a signature header, refusing timestamps more than `toleranceS` away. */
export function verifyWebhook(
  secret: string,
  body: string,
  header: string,
  toleranceS = 300,
  now = Date.now()
): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]))
  const t = Number(parts.t)
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceS || !parts.v1) return false
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest()
  const given = Buffer.from(parts.v1, 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
