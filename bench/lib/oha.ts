import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface LoadResult {
  rps: number
  p50Ms: number
  p99Ms: number
  /** Non-2xx answers and transport errors (requests cut off by the end of the phase excluded). */
  errors: number
  requests: number
}

interface OhaJson {
  summary: { requestsPerSec: number }
  latencyPercentiles: Record<string, number | null>
  statusCodeDistribution: Record<string, number>
  errorDistribution: Record<string, number>
}

/** Reads oha's `--output-format json` summary. */
export function parseOha(json: string): LoadResult {
  const d = JSON.parse(json) as OhaJson
  const ok = Object.entries(d.statusCodeDistribution)
  const good = ok.filter(([s]) => s.startsWith('2')).reduce((n, [, c]) => n + c, 0)
  const bad = ok.filter(([s]) => !s.startsWith('2')).reduce((n, [, c]) => n + c, 0)
  const transport = Object.entries(d.errorDistribution)
    // The requests still in flight when a timed phase ends are not failures.
    .filter(([e]) => !e.includes('aborted due to deadline'))
    .reduce((n, [, c]) => n + c, 0)
  const ms = (p: string) => (d.latencyPercentiles[p] ?? NaN) * 1000
  return {
    rps: d.summary.requestsPerSec,
    p50Ms: ms('p50'),
    p99Ms: ms('p99'),
    errors: bad + transport,
    requests: good + bad,
  }
}

/**
 * Drives `url` with oha (JSON POSTs on keep-alive connections), pinned to `cpu` so the load
 * generator does not compete with the gateway under test. oha times each request with a
 * monotonic clock, so its percentiles stay consistent with its throughput even at concurrency 1.
 * Either `seconds` or `requests` bounds the run.
 */
export async function oha(opts: {
  url: string
  body: string
  headers: Record<string, string>
  connections: number
  seconds?: number
  requests?: number
  cpu: number
}): Promise<LoadResult> {
  const headers = Object.entries({ 'content-type': 'application/json', ...opts.headers }).flatMap(
    ([k, v]) => ['-H', `${k}: ${v}`]
  )
  const bound = opts.requests ? ['-n', String(opts.requests)] : ['-z', `${opts.seconds ?? 5}s`]
  const { stdout } = await run(
    'taskset',
    [
      '-c',
      String(opts.cpu),
      'oha',
      '--no-tui',
      '--output-format',
      'json',
      '-c',
      String(opts.connections),
      ...bound,
      '-m',
      'POST',
      ...headers,
      '-d',
      opts.body,
      opts.url,
    ],
    { maxBuffer: 16 << 20 }
  )
  return parseOha(stdout)
}
