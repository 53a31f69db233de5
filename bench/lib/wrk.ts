import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface WrkResult {
  rps: number
  p50Ms: number
  p99Ms: number
  errors: number
}

/** wrk prints durations with units (`812.00us`, `1.20ms`, `2.01s`). */
export function parseDuration(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim())
  if (!m) throw new Error(`unparseable wrk duration "${text}"`)
  const v = Number(m[1])
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000
}

/** Parses `wrk --latency` output: requests/s, p50 and p99, and non-2xx/socket errors. */
export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p50 = /^\s+50%\s+(\S+)/m.exec(out)?.[1]
  const p99 = /^\s+99%\s+(\S+)/m.exec(out)?.[1]
  if (!Number.isFinite(rps) || !p50 || !p99) throw new Error(`unexpected wrk output:\n${out}`)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const socketErrors = sock ? sock.slice(1).reduce((s, n) => s + Number(n), 0) : 0
  return {
    rps,
    p50Ms: parseDuration(p50),
    p99Ms: parseDuration(p99),
    errors: non2xx + socketErrors,
  }
}

/**
 * Runs wrk against `url` with a JSON POST body and headers, pinned to `cpu` (so the load
 * generator does not compete with the gateway under test).
 */
export async function wrk(opts: {
  url: string
  body: string
  headers: Record<string, string>
  connections: number
  seconds: number
  cpu: number
}): Promise<WrkResult> {
  const script = join(tmpdir(), `trueport-wrk-${process.pid}.lua`)
  const headerLines = Object.entries({ 'content-type': 'application/json', ...opts.headers })
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n')
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(opts.body)}\n${headerLines}\n`
  )
  const threads = Math.min(opts.connections, 2)
  const { stdout } = await run(
    'taskset',
    [
      '-c',
      String(opts.cpu),
      'wrk',
      '--latency',
      '-t',
      String(threads),
      '-c',
      String(opts.connections),
      '-d',
      `${opts.seconds}s`,
      '-s',
      script,
      opts.url,
    ],
    { maxBuffer: 1 << 20 }
  )
  return parseWrk(stdout)
}
