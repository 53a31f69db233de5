import type { BudgetLimits } from '@trueport/contracts'
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { newLocalSecrets } from '../../scripts/lib/local-secrets'
import { bootstrapKey, buildGatewayBundle, compatibility } from '../../test/support/gateway'

const ROOT = resolve(import.meta.dirname, '../..')
const BOOTSTRAP_TOKEN = 'bench-bootstrap'

/**
 * KV for the KEY_CACHE binding: workerd's KV binding speaks HTTP to a service (GET, PUT and
 * DELETE on `/<url-encoded key>`). This one keeps values in its isolate's memory, which is all a
 * single-process benchmark needs; the gateway reads it once per key per cache TTL.
 */
const KV_SERVICE = `
const store = new Map()
export default {
  async fetch(req) {
    const url = new URL(req.url)
    const key = decodeURIComponent(url.pathname.slice(1))
    if (req.method === 'PUT') { store.set(key, await req.arrayBuffer()); return new Response(null) }
    if (req.method === 'DELETE') { store.delete(key); return new Response(null) }
    if (req.method === 'GET' && key) {
      const value = store.get(key)
      return value === undefined ? new Response(null, { status: 404 }) : new Response(value)
    }
    return new Response('KV listing is not used by the gateway', { status: 501 })
  },
}
`

/** R2 is not on the benchmarked path; any call to it fails loudly rather than silently. */
const UNUSED_SERVICE = `export default { fetch: () => new Response('not available in the benchmark', { status: 501 }) }`

/** A Cap'n Proto text literal (JSON string escapes are valid there). */
const text = (s: string) => JSON.stringify(s)

function config(opts: {
  port: number
  vars: Record<string, string>
  date: string
  flags: string[]
}): string {
  const bindings = Object.entries(opts.vars)
    .map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`)
    .concat([
      '(name = "TENANT", durableObjectNamespace = (className = "TenantDO"))',
      '(name = "DIRECTORY", durableObjectNamespace = (className = "DirectoryDO"))',
      '(name = "RATE_LIMITER", durableObjectNamespace = (className = "RateLimiterDO"))',
      '(name = "BREAKER", durableObjectNamespace = (className = "BreakerDO"))',
      '(name = "BUDGET", durableObjectNamespace = (className = "BudgetDO"))',
      '(name = "AUDIT", durableObjectNamespace = (className = "AuditDO"))',
      '(name = "KEY_CACHE", kvNamespace = "kv")',
      '(name = "AUDIT_BUCKET", r2Bucket = "unused")',
    ])
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "gateway", worker = .gateway),
    (name = "kv", worker = (modules = [(name = "kv.js", esModule = embed "kv.js")], compatibilityDate = ${text(opts.date)})),
    (name = "unused", worker = (modules = [(name = "unused.js", esModule = embed "unused.js")], compatibilityDate = ${text(opts.date)})),
    (name = "internet", network = (allow = ["public", "private", "local"])),
    (name = "do-disk", disk = (path = "do", writable = true)),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${opts.port}", http = (), service = "gateway")],
);

const gateway :Workerd.Worker = (
  modules = [(name = "index.js", esModule = embed "index.js")],
  compatibilityDate = ${text(opts.date)},
  compatibilityFlags = [${opts.flags.map(text).join(', ')}],
  globalOutbound = "internet",
  bindings = [
    ${bindings.join(',\n    ')}
  ],
  durableObjectNamespaces = [
    (className = "TenantDO", uniqueKey = "trueport-tenant", enableSql = true),
    (className = "DirectoryDO", uniqueKey = "trueport-directory", enableSql = true),
    (className = "RateLimiterDO", uniqueKey = "trueport-rate-limiter", enableSql = true),
    (className = "BreakerDO", uniqueKey = "trueport-breaker", enableSql = true),
    (className = "BudgetDO", uniqueKey = "trueport-budget", enableSql = true),
    (className = "AuditDO", uniqueKey = "trueport-audit", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-disk"),
);
`
}

async function listening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}:\n${log()}`)
    const ok = await new Promise<boolean>((done) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => (s.destroy(), done(true)))
      s.once('error', () => done(false))
    })
    if (ok) return
    await sleep(50)
  }
  throw new Error(`workerd did not listen on ${port} in 30 s:\n${log()}`)
}

export interface WorkerdGateway {
  url: string
  pid: number
  newKey(slug: string, budget?: Partial<BudgetLimits>): Promise<string>
  close(): Promise<void>
}

/**
 * Runs the built gateway bundle in `workerd serve` itself, from a generated config: no Miniflare
 * and no wrangler in the request path. Durable Objects use SQLite on a temporary disk.
 */
export async function startWorkerdGateway(
  port: number,
  vars: Record<string, string>
): Promise<WorkerdGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'trueport-workerd-'))
  mkdirSync(join(dir, 'do'))
  copyFileSync(buildGatewayBundle(), join(dir, 'index.js'))
  writeFileSync(join(dir, 'kv.js'), KV_SERVICE)
  writeFileSync(join(dir, 'unused.js'), UNUSED_SERVICE)
  const { date, flags } = compatibility()
  writeFileSync(
    join(dir, 'config.capnp'),
    config({
      port,
      date,
      flags,
      vars: {
        ENVIRONMENT: 'bench',
        GATEWAY_VERSION: 'bench',
        UPSTREAM_TIMEOUT_MS: '30000',
        MAX_BODY_BYTES: String(4 * 1024 * 1024),
        BOOTSTRAP_TOKEN,
        ...(await newLocalSecrets()),
        ...vars,
      },
    })
  )
  const served = await serve(dir, port)
  return {
    ...served,
    newKey: (slug, budget) => bootstrapKey(served.url, BOOTSTRAP_TOKEN, slug, budget),
  }
}

/** Starts `workerd serve config.capnp` in `dir` and waits until it listens on `port`. */
async function serve(dir: string, port: number): Promise<WorkerdGateway> {
  const child = spawn(join(ROOT, 'node_modules/.bin/workerd'), ['serve', 'config.capnp'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (out += b.toString()))
  await listening(port, child, () => out)
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    newKey: () => Promise.reject(new Error('this Worker has no API keys')),
    async close() {
      child.kill('SIGTERM')
      await new Promise((done) => child.once('exit', done))
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The runtime's floor: a Worker that only relays the request to `upstream` and the answer back,
 * run the same way as the gateway. What TruePort adds beyond this row is its own work.
 */
export async function startWorkerdProxy(port: number, upstream: string): Promise<WorkerdGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'trueport-floor-'))
  writeFileSync(
    join(dir, 'proxy.js'),
    `export default {
  async fetch(req) {
    const url = new URL(req.url)
    const res = await fetch(${text(upstream)} + url.pathname + url.search, {
      method: req.method, headers: req.headers, body: req.body,
    })
    return new Response(res.body, res)
  },
}
`
  )
  const { date } = compatibility()
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "proxy", worker = (modules = [(name = "proxy.js", esModule = embed "proxy.js")], compatibilityDate = ${text(date)}, globalOutbound = "internet")),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "proxy")],
);
`
  )
  return serve(dir, port)
}
