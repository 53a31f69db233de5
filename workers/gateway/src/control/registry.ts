import { ErrorBody } from '@trueport/contracts'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { readJson } from '../lib/json-body'
import type { ControlEnv } from './env'
import { requires } from './middleware'
import type { Permission } from './permissions'

/**
 * Who may call a route: anyone (`public`), any signed-in user (`user`, a global or scoped
 * token), TruePort's operators (`platform`), or a tenant-scoped caller holding a permission.
 */
export type Access = 'public' | 'user' | 'platform' | Permission

/** One control route: its contract, as the OpenAPI document and the RBAC test read it. */
export interface RouteSpec<B extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  /** Hono path under /api/v1 (`/tenant/api-keys/:id`). */
  path: string
  summary: string
  tag: string
  access: Access
  body?: B
  query?: z.ZodObject
  response?: z.ZodType
  status?: number
}

/** Every route mounted through `mount`, in order: the OpenAPI document is built from this. */
export const ROUTES: RouteSpec[] = []

type Body<B> = B extends z.ZodType ? z.infer<B> : undefined

/**
 * Mounts a route with its permission check and body validation, and records its contract.
 * The handler receives the parsed body; a body that fails the schema is a 400 naming the field.
 */
export function mount<B extends z.ZodType | undefined>(
  app: Hono<ControlEnv>,
  spec: RouteSpec<B>,
  handler: (c: Context<ControlEnv>, body: Body<B>) => Response | Promise<Response>
): void {
  ROUTES.push(spec)
  const guards = spec.access.includes(':') ? [requires(spec.access as Permission)] : []
  app.on(spec.method.toUpperCase(), [spec.path], ...guards, async (c) => {
    const body = (spec.body ? await readJson(c, spec.body) : undefined) as Body<B>
    return handler(c, body)
  })
}

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })

/** The OpenAPI 3.1 document of every mounted route, generated from their zod schemas. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of ROUTES) {
    const path = r.path.replace(/:([A-Za-z]+)/g, '{$1}')
    const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }))
    const query = r.query
      ? Object.entries(r.query.shape).map(([name, s]) => ({
          name,
          in: 'query',
          required: !(s as z.ZodType).safeParse(undefined).success,
          schema: schema(s as z.ZodType),
        }))
      : []
    const status = String(r.status ?? 200)
    paths[`/api/v1${path}`] = {
      ...paths[`/api/v1${path}`],
      [r.method]: {
        summary: r.summary,
        tags: [r.tag],
        operationId: `${r.method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
        'x-trueport-access': r.access,
        ...(r.access === 'public' ? { security: [] } : {}),
        parameters: [...params, ...query],
        ...(r.body
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: schema(r.body) } },
              },
            }
          : {}),
        responses: {
          [status]: {
            description: 'success',
            ...(r.response
              ? { content: { 'application/json': { schema: schema(r.response) } } }
              : {}),
          },
          default: {
            description: 'an error, in the OpenAI error shape',
            content: { 'application/json': { schema: schema(ErrorBody) } },
          },
        },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'TruePort control API', version },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    paths,
  }
}
