import {
  auditStub,
  tenantStub,
  type AdminEventFilter,
  type UsageDimension,
} from '@trueport/durable-objects'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { readQuery } from '../lib/json-body'
import type { ControlEnv } from './env'
import { mount } from './registry'

const EventQuery = z.object({
  action: z.string().max(60).optional(),
  actor: z.string().max(60).optional(),
  target: z.string().max(120).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})

const AdminEvent = z.object({
  seq: z.number(),
  id: z.string(),
  at: z.string(),
  actor: z.object({ userId: z.string() }).loose(),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }),
  before: z.unknown(),
  after: z.unknown(),
})

function filterOf(c: Context<ControlEnv>): AdminEventFilter {
  const { actor, target, ...rest } = readQuery(c, EventQuery)
  return { ...rest, actorId: actor, targetId: target }
}

/** The admin audit log: every control-plane change, append-only, queryable and exportable. */
export const logRoutes = new Hono<ControlEnv>()

mount(
  logRoutes,
  {
    method: 'get',
    path: '/tenant/admin-events',
    summary: 'Query the admin audit log (oldest first; page with ?after=<next>)',
    tag: 'admin-log',
    access: 'audit:read',
    query: EventQuery,
    response: z.object({ data: z.array(AdminEvent), next: z.number().nullable() }),
  },
  async (c) => {
    const page = await tenantStub(c.env, c.get('scope').tid).adminEvents(filterOf(c))
    // The events arrive as JSON text; they are passed on without a parse.
    return c.body(`{"data":[${page.lines.join(',')}],"next":${page.next ?? 'null'}}`, 200, {
      'content-type': 'application/json',
    })
  }
)

mount(
  logRoutes,
  {
    method: 'get',
    path: '/tenant/admin-events/export',
    summary: 'Export the admin audit log as NDJSON (one event per line; same filters)',
    tag: 'admin-log',
    access: 'audit:read',
    query: EventQuery,
  },
  (c) => {
    const tenant = tenantStub(c.env, c.get('scope').tid)
    const filter = filterOf(c)
    const encoder = new TextEncoder()
    // Pages are pulled as the client reads, so an export of any size streams in constant memory.
    let after = filter.after
    let done = false
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (done) return controller.close()
        const page = await tenant.adminEvents({ ...filter, after, limit: 1000 })
        controller.enqueue(encoder.encode(page.lines.map((l) => l + '\n').join('')))
        if (page.next === null) done = true
        else after = page.next
      },
    })
    return new Response(body, {
      headers: {
        'content-type': 'application/x-ndjson',
        'content-disposition': `attachment; filename="admin-events-${c.get('scope').tid}.ndjson"`,
      },
    })
  }
)

const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/
const UsageQuery = z.object({
  from: z.string().regex(HOUR, 'an hour, YYYY-MM-DDTHH (UTC)').optional(),
  to: z.string().regex(HOUR, 'an hour, YYYY-MM-DDTHH (UTC)').optional(),
  groupBy: z
    .string()
    .regex(/^(hour|key|model)(,(hour|key|model))*$/, 'a comma list of hour, key, model')
    .optional(),
  keyId: z.string().max(40).optional(),
})

const UsageRow = z.object({
  hour: z.string().optional(),
  keyId: z.string().optional(),
  model: z.string().optional(),
  requests: z.number(),
  errors: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  costMicroUsd: z.number(),
})

mount(
  logRoutes,
  {
    method: 'get',
    path: '/tenant/usage',
    summary:
      'Usage and cost per hour, key and model (default: the last 24 hours, by key and model)',
    tag: 'usage',
    access: 'usage:read',
    query: UsageQuery,
    response: z.object({ from: z.string(), to: z.string(), data: z.array(UsageRow) }),
  },
  async (c) => {
    const q = { data: readQuery(c, UsageQuery) }
    const now = Date.now()
    const to = q.data.to ?? new Date(now + 3600_000).toISOString().slice(0, 13)
    const from = q.data.from ?? new Date(now - 23 * 3600_000).toISOString().slice(0, 13)
    const groupBy = (q.data.groupBy ?? 'key,model').split(',') as UsageDimension[]
    const data = await auditStub(c.env, c.get('scope').tid).usage({
      from,
      to,
      groupBy,
      keyId: q.data.keyId,
    })
    return c.json({ from, to, data })
  }
)
