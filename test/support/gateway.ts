import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { BudgetLimits } from '@trueport/contracts'
import { Miniflare } from 'miniflare'

const ROOT = resolve(import.meta.dirname, '../..')

/** wrangler.toml's top-level compatibility settings, read once so tests and bench match deploys. */
export function compatibility(): { date: string; flags: string[] } {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1]
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1]
  if (!date) throw new Error('wrangler.toml has no compatibility_date')
  return {
    date,
    flags: (flags ?? '')
      .split(',')
      .map((f) => f.trim().replace(/^"|"$/g, ''))
      .filter(Boolean),
  }
}

/** Limits for keys that tests and benchmarks use: the windows are on, but never in the way. */
export const TEST_LIMITS = { requestsPerMinute: 10_000_000, tokensPerMinute: 0 }

let built: string | undefined

/**
 * Bundles the gateway exactly as `wrangler deploy` would (`--dry-run --outdir`) and returns the
 * bundle's path. Built once per process.
 */
export function buildGatewayBundle(): string {
  if (built) return built
  const outdir = mkdtempSync(join(tmpdir(), 'trueport-bundle-'))
  execFileSync(
    'npx',
    [
      'wrangler',
      'deploy',
      '--dry-run',
      '--outdir',
      outdir,
      '--config',
      join(ROOT, 'wrangler.toml'),
    ],
    {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    }
  )
  built = join(outdir, 'index.js')
  return built
}

/**
 * Bootstraps tenant `slug` on a running gateway and returns a fresh API key for it, with limits
 * far above any test's or benchmark's pace (the limits have tests of their own), and a budget
 * when one is given.
 */
export async function bootstrapKey(
  url: string,
  token: string,
  slug: string,
  budget?: Partial<BudgetLimits>
): Promise<string> {
  const res = await fetch(`${url}/internal/bootstrap`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      tenant: { slug, name: slug },
      admin: { email: `owner@${slug}.example`, password: 'correct horse battery staple' },
      apiKey: { name: 'test', environment: 'dev', limits: TEST_LIMITS, ...(budget && { budget }) },
    }),
  })
  if (!res.ok) throw new Error(`bootstrap failed: ${res.status} ${await res.text()}`)
  const body = (await res.json()) as { apiKey?: { key: string } }
  if (!body.apiKey) throw new Error('bootstrap issued no key')
  return body.apiKey.key
}

export interface RunningGateway {
  url: string
  mf: Miniflare
  /** Bootstraps a tenant and returns a fresh API key for it. */
  newKey(slug?: string): Promise<string>
  close(): Promise<void>
}

/**
 * Runs the built bundle in workerd through Miniflare's API — no wrangler dev proxy, and clients
 * on the worker's direct socket — on a loopback port, with in-memory DO/KV/R2 and the given vars.
 */
export async function startGateway(
  vars: Record<string, string>,
  options: { inspectorPort?: number } = {}
): Promise<RunningGateway> {
  const { date, flags } = compatibility()
  const bootstrapToken = 'gateway-test-bootstrap'
  const mf = new Miniflare({
    modules: true,
    scriptPath: buildGatewayBundle(),
    modulesRoot: dirname(buildGatewayBundle()),
    compatibilityDate: date,
    compatibilityFlags: flags,
    host: '127.0.0.1',
    port: 0,
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    // Clients connect straight to the gateway's own socket: Miniflare's entry worker in front of
    // it costs several times the gateway's own work per request.
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    // Subrequests go straight to the network, not through Miniflare's outbound hop.
    outboundService: { network: { allow: ['public', 'private', 'local'] } },
    durableObjects: {
      TENANT: { className: 'TenantDO', useSQLite: true },
      DIRECTORY: { className: 'DirectoryDO', useSQLite: true },
      RATE_LIMITER: { className: 'RateLimiterDO', useSQLite: true },
      BREAKER: { className: 'BreakerDO', useSQLite: true },
      BUDGET: { className: 'BudgetDO', useSQLite: true },
      AUDIT: { className: 'AuditDO', useSQLite: true },
    },
    kvNamespaces: ['KEY_CACHE'],
    r2Buckets: ['AUDIT_BUCKET'],
    bindings: {
      ENVIRONMENT: 'test',
      GATEWAY_VERSION: 'test',
      UPSTREAM_TIMEOUT_MS: '5000',
      MAX_BODY_BYTES: String(4 * 1024 * 1024),
      BOOTSTRAP_TOKEN: bootstrapToken,
      ...vars,
    },
  })
  await mf.ready
  const url = (await mf.unsafeGetDirectURL()).toString().replace(/\/$/, '')
  let n = 0
  return {
    url,
    mf,
    newKey: (slug = `t-${Date.now().toString(36)}-${++n}`) =>
      bootstrapKey(url, bootstrapToken, slug),
    close: () => mf.dispose(),
  }
}
