import { HealthResponse } from '@trueport/contracts'

/** Thrown for any non-2xx answer or a body that does not match its schema. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** GET /healthz of the gateway, parsed with the shared contract. */
export async function fetchGatewayHealth(signal?: AbortSignal): Promise<HealthResponse> {
  const res = await fetch('/healthz', { signal: signal ?? null })
  if (!res.ok) throw new ApiError(res.status, `gateway answered ${res.status}`)
  const parsed = HealthResponse.safeParse(await res.json())
  if (!parsed.success) throw new ApiError(res.status, 'unexpected health response')
  return parsed.data
}
