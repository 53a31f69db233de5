import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { randomBytes } from 'node:crypto'
import { IssuedApiKey, ScopedTokenResponse, SessionTokens } from '@trueport/contracts'

/** What `npm start` remembers about the demo tenant between runs (local file, git-ignored). */
export interface DemoState {
  tenantSlug: string
  tenantId: string
  adminEmail: string
  adminPassword: string
  apiKey: string
}

export const DEMO_SLUG = 'demo'
export const DEMO_EMAIL = 'admin@demo.trueport.local'

export function readDemoState(file: string): DemoState | undefined {
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoState
  } catch {
    return undefined
  }
}

function writeDemoState(file: string, state: DemoState): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(state, null, 2), { mode: 0o600 })
}

/** True when the gateway accepts the key (GET /v1/models answers 200). */
async function keyWorks(gatewayUrl: string, key: string): Promise<boolean> {
  const res = await fetch(`${gatewayUrl}/v1/models`, {
    headers: { authorization: `Bearer ${key}` },
  })
  await res.body?.cancel()
  return res.ok
}

/** Calls the control API and parses its answer; a refusal stops `npm start` with its reason. */
async function control<T>(
  gatewayUrl: string,
  method: string,
  path: string,
  body: unknown,
  token?: string
): Promise<T> {
  const res = await fetch(`${gatewayUrl}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${method} ${path} failed: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/**
 * Makes sure the demo tenant, its admin and a working API key exist, the way an operator
 * would: the bootstrap route only creates the first platform admin; the admin then signs in,
 * creates the tenant, chooses it and issues a key through the control API. The key's secret
 * is only ever shown at issue time, so it is kept in the local state file; if that file is
 * missing or its key no longer works (state wiped), a new key is issued.
 */
export async function ensureDemoTenant(
  gatewayUrl: string,
  bootstrapToken: string,
  file: string
): Promise<DemoState> {
  const saved = readDemoState(file)
  if (saved && (await keyWorks(gatewayUrl, saved.apiKey))) return saved

  const password = saved?.adminPassword ?? randomBytes(12).toString('base64url')
  const res = await fetch(`${gatewayUrl}/internal/platform-admin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: DEMO_EMAIL, password }),
  })
  if (!res.ok) throw new Error(`bootstrap failed: ${res.status} ${await res.text()}`)
  const session = SessionTokens.parse(
    await control(gatewayUrl, 'POST', '/api/v1/auth/login', { email: DEMO_EMAIL, password })
  )
  const tenant = await control<{ tenantId: string }>(
    gatewayUrl,
    'POST',
    '/api/v1/tenants',
    { slug: DEMO_SLUG, name: 'Demo Tenant', ownerEmail: DEMO_EMAIL },
    session.accessToken
  )
  const scoped = ScopedTokenResponse.parse(
    await control(
      gatewayUrl,
      'POST',
      '/api/v1/auth/scope',
      { slug: DEMO_SLUG, environment: 'dev' },
      session.accessToken
    )
  )
  const key = IssuedApiKey.parse(
    await control(
      gatewayUrl,
      'POST',
      '/api/v1/tenant/api-keys',
      { name: 'demo' },
      scoped.accessToken
    )
  )
  // An admin created in an earlier run keeps its password; a fresh state gets the new one.
  const state: DemoState = {
    tenantSlug: DEMO_SLUG,
    tenantId: tenant.tenantId,
    adminEmail: DEMO_EMAIL,
    adminPassword: password,
    apiKey: key.key,
  }
  writeDemoState(file, state)
  return state
}
