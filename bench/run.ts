/**
 * `npm run bench`: the data-plane benchmark. Runs, in one session and on one machine:
 *   baseline  — the load generator straight to the mock provider,
 *   floor     — a Worker that only relays requests, in `workerd serve`: what the runtime costs,
 *   TruePort  — the built gateway bundle in `workerd serve` (no Miniflare, no wrangler), with
 *               API-key authentication, rate limits, circuit breakers and a key budget on
 *               (BENCH_BUDGET=0 runs it without the budget),
 *   Portkey   — @portkey-ai/gateway 1.15.2 in front of the same mock,
 * and prints added latency p50/p99 at concurrency 1, req/s and p99 at 16 and 64, added time to
 * first token when streaming, and peak RSS. Gateways run pinned to CPU 0; the mock and the load
 * generator (oha) share CPU 1. Results also go to docs/benchmarks.md. BENCH_SECONDS scales every
 * phase (default 8); BENCH_SOAK sets the memory soak's request count (default 100000, 0 skips).
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { mockProvidersConfig } from '@trueport/mock-provider'
import { oha, type LoadResult } from './lib/oha'
import { peakRssMiB, pin, rssMiB, spawnReady } from './lib/proc'
import { timeToFirstToken } from './lib/ttft'
import { startWorkerdGateway, startWorkerdProxy } from './lib/workerd'

const ROOT = resolve(import.meta.dirname, '..')
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8)
/** Requests of the memory soak on TruePort (0 skips it). */
const SOAK_REQUESTS = Number(process.env.BENCH_SOAK ?? 100_000)
const GATEWAY_CPU = 0
const LOAD_CPU = 1
const MOCK_PORT = 18790
const TRUEPORT_PORT = 18791
const FLOOR_PORT = 18792
const PORTKEY_PORT = 18787

interface Target {
  name: string
  url: string
  headers: Record<string, string>
  pid: number
  warmSeconds: number
}

interface Row {
  name: string
  c1: LoadResult
  c16: LoadResult
  c64: LoadResult
  ttft: { p50Ms: number; p99Ms: number }
  rssMiB: number
}

const body = (stream: boolean) =>
  JSON.stringify({ model: 'mock-gpt', stream, messages: [{ role: 'user', content: 'Hello' }] })

/** Rounds of the latency phases; targets take turns each round so drift hits all alike. */
const ROUNDS = 4

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/**
 * Measures every target. This VM's latency drifts between modes for minutes at a time, so the
 * concurrency-1 and time-to-first-token phases run in rounds with the targets taking turns, and
 * each figure is the median over rounds; throughput phases run once per target.
 */
async function measureAll(targets: Target[]): Promise<Row[]> {
  const load = (t: Target) => ({ url: t.url, body: body(false), headers: t.headers, cpu: LOAD_CPU })
  for (const t of targets) {
    console.error(`  ${t.name}: warming ${t.warmSeconds}s`)
    await oha({ ...load(t), connections: 16, seconds: t.warmSeconds })
  }
  const c1: LoadResult[][] = targets.map(() => [])
  const ttft: { p50Ms: number; p99Ms: number }[][] = targets.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    console.error(`  round ${r + 1}/${ROUNDS}: concurrency 1 and time to first token`)
    for (const [i, t] of targets.entries()) {
      const seconds = Math.max(2, Math.round((2 * SECONDS) / ROUNDS))
      c1[i]?.push(await oha({ ...load(t), connections: 1, seconds }))
      const streamed = { url: t.url, body: body(true), headers: t.headers, requests: 200 }
      ttft[i]?.push(await timeToFirstToken(streamed))
    }
  }
  const rows: Row[] = []
  for (const [i, t] of targets.entries()) {
    console.error(`  ${t.name}: concurrency 16 and 64`)
    const c16 = await oha({ ...load(t), connections: 16, seconds: SECONDS })
    const c64 = await oha({ ...load(t), connections: 64, seconds: SECONDS })
    const rounds = c1[i] ?? []
    const streams = ttft[i] ?? []
    rows.push({
      name: t.name,
      c1: {
        rps: median(rounds.map((x) => x.rps)),
        p50Ms: median(rounds.map((x) => x.p50Ms)),
        p99Ms: median(rounds.map((x) => x.p99Ms)),
        errors: rounds.reduce((n, x) => n + x.errors, 0),
        requests: rounds.reduce((n, x) => n + x.requests, 0),
      },
      c16,
      c64,
      ttft: {
        p50Ms: median(streams.map((x) => x.p50Ms)),
        p99Ms: median(streams.map((x) => x.p99Ms)),
      },
      rssMiB: peakRssMiB(t.pid),
    })
  }
  return rows
}

function ensurePortkey(): string {
  const dir = join(ROOT, 'bench/portkey')
  const entry = join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js')
  if (!existsSync(entry))
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' })
  return entry
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU'
  const workerd = execFileSync(join(ROOT, 'node_modules/.bin/workerd'), ['--version'])
    .toString()
    .trim()
  return `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; Node ${process.version}; ${workerd}`
}

const ohaVersion = () => execFileSync('oha', ['--version']).toString().trim().replace(/^oha /, '')

const f = (n: number, d = 2) => n.toFixed(d)

function table(rows: Row[]): string {
  const base = rows[0]
  if (!base) return ''
  const lines = [
    '| target | added p50 c=1 (ms) | added p99 c=1 (ms) | req/s c=16 | p99 c=16 (ms) | req/s c=64 | p99 c=64 (ms) | added TTFT p50 (ms) | peak RSS (MiB) | failed requests |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of rows) {
    const added = r === base
    lines.push(
      `| ${r.name} | ${added ? `(${f(r.c1.p50Ms)})` : f(r.c1.p50Ms - base.c1.p50Ms)} | ${added ? `(${f(r.c1.p99Ms)})` : f(r.c1.p99Ms - base.c1.p99Ms)} | ${f(r.c16.rps, 0)} | ${f(r.c16.p99Ms)} | ${f(r.c64.rps, 0)} | ${f(r.c64.p99Ms)} | ${added ? `(${f(r.ttft.p50Ms)})` : f(r.ttft.p50Ms - base.ttft.p50Ms)} | ${f(r.rssMiB, 0)} | ${r.c1.errors + r.c16.errors + r.c64.errors} |`
    )
  }
  return lines.join('\n')
}

const children: ChildProcess[] = []
const cleanups: (() => Promise<void>)[] = []

async function main(): Promise<void> {
  // The harness is a client too (time to first token): it lives on the load CPU.
  pin(process.pid, LOAD_CPU)
  console.error('starting the mock provider')
  const mock = await spawnReady(
    process.execPath,
    ['--import', 'tsx', 'tools/mock-provider/src/cli.ts', '--port', String(MOCK_PORT)],
    /listening/,
    { cwd: ROOT }
  )
  children.push(mock)
  const mockPid = mock.pid ?? 0
  pin(mockPid, LOAD_CPU)
  const mockUrl = `http://127.0.0.1:${MOCK_PORT}`

  console.error('starting the runtime floor (a relay Worker in workerd serve)')
  const floor = await startWorkerdProxy(FLOOR_PORT, mockUrl)
  cleanups.push(() => floor.close())
  pin(floor.pid, GATEWAY_CPU)

  console.error('starting TruePort (built bundle in workerd serve)')
  const gw = await startWorkerdGateway(TRUEPORT_PORT, {
    PROVIDERS: JSON.stringify(mockProvidersConfig(mockUrl)),
  })
  cleanups.push(() => gw.close())
  pin(gw.pid, GATEWAY_CPU)
  // A budget far above what the run spends: every request still reserves and settles in the
  // key's BudgetDO, which is the cost being measured.
  const budgeted = process.env.BENCH_BUDGET !== '0'
  const key = await gw.newKey(
    'bench',
    budgeted ? { dailyMicroUsd: 1_000_000_000_000, monthlyMicroUsd: 1_000_000_000_000 } : undefined
  )

  console.error('starting Portkey')
  const portkey = await spawnReady(
    'node',
    [
      '--require',
      join(ROOT, 'bench/portkey/loopback.cjs'),
      ensurePortkey(),
      `--port=${PORTKEY_PORT}`,
    ],
    /localhost|listening|running|started/i,
    {
      cwd: join(ROOT, 'bench/portkey'),
    }
  )
  children.push(portkey)
  pin(portkey.pid ?? 0, GATEWAY_CPU)

  const targets: Target[] = [
    {
      name: 'baseline (direct to mock)',
      url: `${mockUrl}/v1/chat/completions`,
      headers: {},
      pid: mockPid,
      warmSeconds: 3,
    },
    {
      name: 'floor (relay Worker in workerd)',
      url: `${floor.url}/v1/chat/completions`,
      headers: {},
      pid: floor.pid,
      warmSeconds: 3,
    },
    {
      name: 'TruePort',
      url: `${gw.url}/v1/chat/completions`,
      headers: { authorization: `Bearer ${key}` },
      pid: gw.pid,
      warmSeconds: 5,
    },
    {
      name: 'Portkey 1.15.2',
      url: `http://127.0.0.1:${PORTKEY_PORT}/v1/chat/completions`,
      headers: {
        authorization: 'Bearer mock',
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${mockUrl}/v1`,
      },
      pid: portkey.pid ?? 0,
      // Portkey keeps warming up for several seconds.
      warmSeconds: 15,
    },
  ]
  const rows = await measureAll(targets)

  let soak = ''
  const tp = rows.find((r) => r.name === 'TruePort')
  const tpTarget = targets.find((t) => t.name === 'TruePort')
  if (SOAK_REQUESTS > 0 && tpTarget) {
    // Memory must stay flat: RSS after a long run, against RSS after the measured phases.
    console.error(`  TruePort: memory soak of ${SOAK_REQUESTS} requests`)
    const before = rssMiB(tpTarget.pid)
    const soakRun = await oha({
      url: tpTarget.url,
      body: body(false),
      headers: tpTarget.headers,
      cpu: LOAD_CPU,
      connections: 64,
      requests: SOAK_REQUESTS,
    })
    const after = rssMiB(tpTarget.pid)
    soak = `Memory soak (TruePort, ${soakRun.requests} requests at concurrency 64, ${soakRun.errors} failed): RSS ${f(before, 0)} MiB before, ${f(after, 0)} MiB after.`
  }

  const out = table(rows)
  const pk = rows.find((r) => r.name.startsWith('Portkey'))
  const ratio = tp && pk ? tp.c64.rps / pk.c64.rps : NaN
  const summary = `TruePort / Portkey req/s at concurrency 64: ${ratio.toFixed(2)}x${soak ? `\n\n${soak}` : ''}`
  console.log(`\n${out}\n\n${summary}\n`)

  const file = join(ROOT, 'docs/benchmarks.md')
  const header = readFileSync(file, 'utf8').split('<!-- results -->')[0] ?? ''
  const run = `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n\nMachine: ${machine()}. Throughput phases of ${SECONDS} s; concurrency 1 and time to first token: median of ${ROUNDS} interleaved rounds; gateways pinned to CPU ${GATEWAY_CPU}, mock and load generator (oha ${ohaVersion()}) to CPU ${LOAD_CPU}. Latencies "added" are the target's minus the baseline's (baseline's own in parentheses). TruePort: authentication, rate limits, breakers and the audit trail on, ${budgeted ? 'with' : 'without'} a key budget.\n\n${out}\n\n${summary}\n`
  writeFileSync(file, `${header}<!-- results -->\n\n${run}`)
  console.error(`results written to ${file}`)
}

main()
  .catch((err: unknown) => {
    console.error(err)
    process.exitCode = 1
  })
  .finally(async () => {
    for (const c of cleanups) await c().catch(() => undefined)
    for (const c of children)
      if (c.pid)
        try {
          process.kill(c.pid, 'SIGTERM')
        } catch {
          /* gone */
        }
  })
