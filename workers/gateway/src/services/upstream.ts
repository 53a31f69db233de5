import { GatewayError } from '../errors'

export interface UpstreamConfig {
  /** OpenAI-compatible base URL including `/v1`. */
  baseUrl: string
  apiKey?: string | undefined
  /** Time allowed until the response headers arrive; a stream may then run longer. */
  timeoutMs: number
}

/**
 * Sends one request to an OpenAI-compatible upstream. Network failures become `upstream_error`
 * (502) and a missed header deadline `upstream_timeout` (504); the caller maps statuses.
 */
export async function callUpstream(
  config: UpstreamConfig,
  path: string,
  init: { method: 'GET' | 'POST'; body?: string; signal?: AbortSignal }
): Promise<Response> {
  const controller = new AbortController()
  const onClientAbort = () => controller.abort(init.signal?.reason)
  init.signal?.addEventListener('abort', onClientAbort, { once: true })
  const timer = setTimeout(
    () => controller.abort(new DOMException('upstream timeout', 'TimeoutError')),
    config.timeoutMs
  )
  const headers = new Headers({ accept: 'application/json, text/event-stream' })
  if (init.body !== undefined) headers.set('content-type', 'application/json')
  if (config.apiKey) headers.set('authorization', `Bearer ${config.apiKey}`)
  try {
    return await fetch(`${config.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: init.method,
      headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: controller.signal,
    })
  } catch (cause) {
    if (controller.signal.aborted && !init.signal?.aborted) {
      throw new GatewayError(
        'upstream_timeout',
        `upstream did not answer within ${config.timeoutMs} ms`,
        { cause }
      )
    }
    throw new GatewayError('upstream_error', 'upstream connection failed', { cause })
  } finally {
    clearTimeout(timer)
    init.signal?.removeEventListener('abort', onClientAbort)
  }
}

/**
 * Turns a non-2xx upstream answer into a GatewayError. Client mistakes the provider saw (400,
 * 404, 413, 422) and its rate limits (429) keep their status and meaning; 401/403 mean the
 * gateway's provider credential is wrong, which is not the client's fault, so they are 502
 * like every 5xx.
 */
export async function upstreamFailure(res: Response): Promise<GatewayError> {
  const text = await res.text().catch(() => '')
  const detail = `${res.status} ${text.slice(0, 2000)}`
  let message = `upstream answered ${res.status}`
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } }
    if (typeof parsed.error?.message === 'string') message = `upstream: ${parsed.error.message}`
  } catch {
    // A non-JSON error body is kept as detail for the logs only.
  }
  switch (res.status) {
    case 404:
      return new GatewayError('model_not_found', message, { detail })
    case 429:
      return new GatewayError('rate_limited', message, { detail })
    case 400:
    case 413:
    case 422:
      return new GatewayError('invalid_request', message, { status: res.status, detail })
    default:
      return new GatewayError('upstream_error', 'upstream provider failed', { detail })
  }
}
