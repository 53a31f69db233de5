import { ERROR_STATUS, type ErrorCode } from '@trueport/contracts'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from './env'
import { openaiSurface } from './surfaces/openai'

/**
 * The one error type handlers throw. `publicMessage` goes to the client; `cause` and `detail`
 * only to logs. The status comes from the code unless a route has a reason to override it
 * (an upstream 4xx passed on with its own status).
 */
export class GatewayError extends Error {
  readonly status: number

  constructor(
    readonly code: ErrorCode,
    readonly publicMessage: string,
    options: { cause?: unknown; status?: number; param?: string; detail?: unknown } = {}
  ) {
    super(publicMessage, { cause: options.cause })
    this.name = 'GatewayError'
    this.status = options.status ?? ERROR_STATUS[code]
    this.param = options.param
    this.detail = options.detail
  }

  readonly param: string | undefined
  readonly detail: unknown
}

/**
 * `app.onError`: the only place an error becomes a response. Anything that is not a
 * GatewayError is a bug: it is logged with its stack and answered with a generic 500.
 */
export function renderError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId')
  // Routes of another dialect set their surface; everything else answers in OpenAI's shape.
  const surface = c.get('surface') ?? openaiSurface
  if (err instanceof GatewayError) {
    if (err.status >= 500) {
      console.error(
        JSON.stringify({ requestId, code: err.code, cause: String(err.cause), detail: err.detail })
      )
    }
    const body = surface.errorBody(err.code, err.status, err.publicMessage, requestId, err.param)
    return c.json(body, err.status as ContentfulStatusCode)
  }
  console.error(
    JSON.stringify({ requestId, code: 'internal_error', error: err.stack ?? String(err) })
  )
  return c.json(surface.errorBody('internal_error', 500, 'internal error', requestId), 500)
}
