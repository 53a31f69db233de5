import { auditStub, type AppendResult, type UsageDelta } from '@trueport/durable-objects'
import { Coalescer } from '../lib/coalesce'

type Env = Parameters<typeof auditStub>[0]

/** Waits between tries of an append (about 13 s in all, inside waitUntil's 30 s). */
const RETRY_MS = [100, 200, 400, 800, 1600, 3200, 6400]

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Records to one tenant within 5 ms (up to 200) go to its spool in one append. */
type Item = { id: string; line: string; usage?: UsageDelta | undefined }
const batches = new Coalescer<Item>(5, 200)

/**
 * The path from a finished request to its tenant's audit spool (the AuditDO): gathered with
 * other requests' records for a few milliseconds, then appended, retried with backoff while
 * the object is unreachable. Returns the promise to hand to waitUntil when this request leads
 * the batch. The spool recognises request ids it has seen, so a retry after a lost answer
 * records nothing twice.
 */
export function recordAudit(
  env: Env,
  tenantId: string,
  id: string,
  line: string,
  usage?: UsageDelta
): Promise<void> | undefined {
  return batches.add(tenantId, { id, line, usage }, async (items) => {
    try {
      await appendWithRetries(env, tenantId, items)
    } catch (err) {
      // The spool stayed unreachable: the records go to the Worker's logs, the last place
      // they can still be recovered from.
      for (const item of items)
        console.error(
          JSON.stringify({ audit: 'undelivered', tenantId, record: item.line, error: String(err) })
        )
    }
  })
}

async function appendWithRetries(env: Env, tenantId: string, items: Item[]): Promise<AppendResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await auditStub(env, tenantId).append(tenantId, items)
    } catch (err) {
      const wait = RETRY_MS[attempt]
      if (wait === undefined) throw err
      await pause(wait)
    }
  }
}
