import { SELF } from 'cloudflare:test'
import type { BootstrapResponse, BudgetLimits, IssuedApiKey, RateLimits } from '@trueport/contracts'
import { inject } from 'vitest'

/** The gateway's origin inside the test runtime (SELF ignores the host). */
export const ORIGIN = 'http://gateway.test'

/** Base URL of the mock provider, for its /__mock control endpoints. */
export const mockUrl = () => inject('mockProviderUrl')

/**
 * Scripts faults into the mock provider for one model name: each of that model's next requests
 * takes one. Scoping by model keeps test files that run in parallel apart.
 */
export async function scriptFaults(model: string, ...faults: string[]): Promise<void> {
  const res = await fetch(`${mockUrl()}/__mock/script`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults, model }),
  })
  if (!res.ok) throw new Error(`mock script failed: ${await res.text()}`)
}

let counter = 0

/** Bootstraps a fresh tenant (unique slug per call) and returns it with a new API key. */
export async function newTenant(
  options: {
    keyLimits?: Partial<RateLimits>
    tenantLimits?: Partial<RateLimits>
    tenantBudget?: Partial<BudgetLimits>
  } = {}
): Promise<BootstrapResponse & { apiKey: IssuedApiKey; slug: string }> {
  const slug = `t-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 8)}`
  const res = await SELF.fetch(`${ORIGIN}/internal/bootstrap`, {
    method: 'POST',
    headers: { authorization: 'Bearer test-bootstrap-token', 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: {
        slug,
        name: `Tenant ${slug}`,
        limits: options.tenantLimits,
        budget: options.tenantBudget,
      },
      admin: { email: `owner@${slug}.example`, password: 'correct horse battery staple' },
      // Far above any test's pace unless a test asks for limits: those have tests of their own.
      apiKey: {
        name: 'test',
        environment: 'dev',
        limits: options.keyLimits ?? { requestsPerMinute: 10_000_000, tokensPerMinute: 0 },
      },
    }),
  })
  if (res.status !== 201) throw new Error(`bootstrap failed: ${res.status} ${await res.text()}`)
  const body = await res.json<BootstrapResponse>()
  if (!body.apiKey) throw new Error('bootstrap issued no key')
  return { ...body, apiKey: body.apiKey, slug }
}

/** POSTs JSON to the gateway with the given key. */
export function post(
  path: string,
  key: string | undefined,
  body: unknown,
  headers: Record<string, string> = {}
) {
  return SELF.fetch(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Sends a one-message chat and reads what the routing tests look at. */
export async function askChat(key: string, model: string, stream = false) {
  const started = Date.now()
  const res = await post('/v1/chat/completions', key, {
    model,
    stream,
    messages: [{ role: 'user', content: 'ping' }],
  })
  const text = await res.text()
  return {
    status: res.status,
    ms: Date.now() - started,
    provider: res.headers.get('x-trueport-provider'),
    model: res.headers.get('x-trueport-model'),
    attempts: res.headers.get('x-trueport-attempts'),
    retryAfter: res.headers.get('retry-after'),
    code: res.ok ? undefined : (JSON.parse(text) as { error: { code: string } }).error.code,
    text,
  }
}
