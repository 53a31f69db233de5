import { auditStub, type AppendResult } from '@trueport/durable-objects'

type Env = Parameters<typeof auditStub>[0]

/** Waits between tries of an append (about 13 s in all, inside waitUntil's 30 s). */
const RETRY_MS = [100, 200, 400, 800, 1600, 3200, 6400]

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The path from a finished request to its tenant's audit spool (the AuditDO), retried with
 * backoff while the object is unreachable. The promise resolves once the record is durable;
 * the caller hands it to waitUntil, so the isolate stays alive until then. The spool
 * recognises request ids it has seen, so a retry after a lost answer records nothing twice.
 * Each request sends its own record: a Worker may not settle one request's promise from
 * another request's I/O, so records are batched in the spool, not in the isolate.
 */
export async function recordAudit(env: Env, tenantId: string, id: string, line: string) {
  try {
    await appendWithRetries(env, tenantId, [{ id, line }])
  } catch (err) {
    // The spool stayed unreachable: the record goes to the Worker's logs, the last place it
    // can still be recovered from.
    console.error(
      JSON.stringify({ audit: 'undelivered', tenantId, record: line, error: String(err) })
    )
  }
}

async function appendWithRetries(
  env: Env,
  tenantId: string,
  items: { id: string; line: string }[]
): Promise<AppendResult> {
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
