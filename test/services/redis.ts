import { existsSync } from 'node:fs'
import { freePort } from './net'
import { spawnService, type RunningService } from './process'

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server']

/** Starts Debian's redis-server on a free loopback port, in memory only (no RDB, no AOF). */
export async function startRedis(): Promise<RunningService & { url: string }> {
  const bin = CANDIDATES.find((p) => existsSync(p))
  if (!bin) {
    throw new Error(
      'redis-server not found: run `bash test/services/install.sh` (apt-get install redis-server)'
    )
  }
  const port = await freePort()
  const svc = await spawnService(
    'redis',
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    port
  )
  return { ...svc, url: `redis://127.0.0.1:${port}` }
}
