import { tenantStub, type AdminEventFilter } from '@trueport/durable-objects'
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { GatewayError } from '../errors'
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
  const q = EventQuery.safeParse(c.req.query())
  if (!q.success) {
    const issue = q.error.issues[0]
    throw new GatewayError('invalid_request', `${issue?.path.join('.')}: ${issue?.message}`, {
      param: String(issue?.path[0] ?? ''),
    })
  }
  const { actor, target, ...rest } = q.data
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
