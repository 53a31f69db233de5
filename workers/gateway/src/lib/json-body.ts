import type { Context } from 'hono'
import type { z } from 'zod'
import { GatewayError } from '../errors'

/** Zod issue path as the dotted `param` OpenAI errors carry (`messages.0.role`). */
function issuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}

/**
 * Reads the body as UTF-8 JSON and parses it with `schema`. Invalid UTF-8 and malformed JSON are
 * `invalid_json`; a schema violation is `invalid_request` naming the first offending field.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  return validate(schema, await readJsonValue(c))
}

/** Parses the query string with `schema`; a violation is `invalid_request` naming the field. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return validate(schema, c.req.query())
}

/** Parses `value` with `schema`, as readJson does, for bodies translated from another dialect. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = issue ? issuePath(issue.path) : undefined
    const message = issue ? `${param ? `${param}: ` : ''}${issue.message}` : 'invalid request body'
    throw new GatewayError('invalid_request', message, { ...(param ? { param } : {}) })
  }
  return parsed.data
}

/** Non-streaming decodes keep no state, so one decoder serves every request. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Reads the body as strict UTF-8 JSON without a schema. */
export async function readJsonValue(c: Context): Promise<unknown> {
  let text: string
  try {
    text = strictUtf8.decode(await c.req.arrayBuffer())
  } catch (cause) {
    throw new GatewayError('invalid_json', 'request body is not valid UTF-8', { cause })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    throw new GatewayError(
      'invalid_json',
      `request body is not valid JSON: ${(cause as Error).message}`,
      {
        cause,
      }
    )
  }
  return value
}
