import { GatewayError } from '../errors'
import type { ProviderAdapter, UpstreamCall } from '../providers/types'

/** What callUpstream sends: an adapter's call, or a passthrough with the client's own body. */
export type OutboundCall = Pick<UpstreamCall, 'url' | 'method' | 'headers'> & {
  body?: BodyInit | undefined
}

/**
 * Sends one request upstream. `timeoutMs` bounds the whole exchange, body included, unless the
 * answer `streams`: then it bounds the wait for the response headers only, and the stream's own
 * idle timeout takes over (an aborted signal would cut a long stream that is still flowing).
 * (A client that disconnects needs no wiring here: the runtime cancels the request's
 * outstanding subrequests.) Network failures become `upstream_error` (502), a missed deadline
 * `upstream_timeout` (504).
 */
export async function callUpstream(
  call: OutboundCall,
  timeoutMs: number,
  streams = false
): Promise<Response> {
  // A native timer-backed signal where nothing needs disarming: cheaper on the hot path than a
  // controller plus a JS timer.
  let timer: ReturnType<typeof setTimeout> | undefined
  let signal: AbortSignal
  if (streams) {
    const controller = new AbortController()
    timer = setTimeout(() => controller.abort(), timeoutMs)
    signal = controller.signal
  } else {
    signal = AbortSignal.timeout(timeoutMs)
  }
  try {
    return await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body ?? null,
      signal,
    })
  } catch (cause) {
    if (signal.aborted) {
      throw new GatewayError('upstream_timeout', `upstream did not answer within ${timeoutMs} ms`, {
        cause,
      })
    }
    throw new GatewayError('upstream_error', 'upstream connection failed', { cause })
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
}

/**
 * Turns a non-2xx upstream answer into a GatewayError. Client mistakes the provider saw (400,
 * 404, 413, 422) and its rate limits (429) keep their status and meaning; 401/403 mean the
 * gateway's provider credential is wrong, which is not the client's fault, so they are 502
 * like every 5xx.
 */
export async function upstreamFailure(
  res: Response,
  adapter: ProviderAdapter
): Promise<GatewayError> {
  const text = await res.text().catch(() => '')
  const detail = `${adapter.id} ${res.status} ${text.slice(0, 2000)}`
  let providerMessage: string | undefined
  try {
    providerMessage = adapter.errorMessage(JSON.parse(text))
  } catch {
    // A non-JSON error body is kept as detail for the logs only.
  }
  const message = `upstream: ${providerMessage ?? `answered ${res.status}`}`
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
