import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { randomBytes } from 'node:crypto'
import { BootstrapResponse } from '@trueport/contracts'

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

/**
 * Makes sure the demo tenant, its admin and a working API key exist. The key's secret is only
 * ever shown at issue time, so it is kept in the local state file; if that file is missing or
 * its key no longer works (state wiped), a new key is issued.
 */
export async function ensureDemoTenant(
  gatewayUrl: string,
  bootstrapToken: string,
  file: string
): Promise<DemoState> {
  const saved = readDemoState(file)
  if (saved && (await keyWorks(gatewayUrl, saved.apiKey))) return saved

  const password = saved?.adminPassword ?? randomBytes(12).toString('base64url')
  const res = await fetch(`${gatewayUrl}/internal/bootstrap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bootstrapToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: { slug: DEMO_SLUG, name: 'Demo Tenant' },
      admin: { email: DEMO_EMAIL, password },
      apiKey: { name: 'demo', environment: 'dev' },
    }),
  })
  if (!res.ok) throw new Error(`bootstrap failed: ${res.status} ${await res.text()}`)
  const body = BootstrapResponse.parse(await res.json())
  if (!body.apiKey) throw new Error('bootstrap returned no API key')
  // An admin created in an earlier run keeps its password; a fresh state gets the new one.
  const state: DemoState = {
    tenantSlug: DEMO_SLUG,
    tenantId: body.tenantId,
    adminEmail: DEMO_EMAIL,
    adminPassword: password,
    apiKey: body.apiKey.key,
  }
  writeDemoState(file, state)
  return state
}
