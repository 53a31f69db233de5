import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './net'
import { spawnService, type RunningService } from './process'

export const FERRETDB_VERSION = 'v1.24.2'

const SOURCE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'ferretdb')

/**
 * Where the built FerretDB binary is cached between runs (it takes minutes to build). The name
 * carries a digest of the wrapper's sources, so changing them builds a new binary.
 */
export function ferretDbBinaryPath(): string {
  const digest = createHash('sha256')
  for (const f of ['main.go', 'go.mod', 'go.sum']) digest.update(readFileSync(join(SOURCE_DIR, f)))
  const cache =
    process.env.TRUEPORT_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'trueport')
  return join(cache, `ferretdb-${FERRETDB_VERSION}-${digest.digest('hex').slice(0, 12)}`)
}

/**
 * Builds the embedded FerretDB wrapper (./ferretdb/main.go) with Go unless the cached binary
 * exists. Go modules come from the module proxy; the result is reused by every later run.
 */
export function ensureFerretDbBinary(): string {
  const bin = ferretDbBinaryPath()
  if (existsSync(bin)) return bin
  mkdirSync(dirname(bin), { recursive: true })
  try {
    // Build to a temporary name first so an interrupted build never leaves a broken cache entry.
    execFileSync('go', ['build', '-trimpath', '-o', `${bin}.partial`, '.'], {
      cwd: SOURCE_DIR,
      stdio: 'inherit',
    })
    execFileSync('mv', [`${bin}.partial`, bin])
  } catch (err) {
    throw new Error(
      `building FerretDB failed (is Go >= 1.24 installed?): ${(err as Error).message}`
    )
  }
  return bin
}

/** Starts FerretDB (SQLite backend, fresh temporary data dir) on a free loopback port. */
export async function startFerretDb(): Promise<RunningService & { url: string }> {
  const bin = ensureFerretDbBinary()
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'trueport-ferretdb-'))
  const svc = await spawnService(
    'ferretdb',
    bin,
    ['-listen', `127.0.0.1:${port}`, '-dir', dir],
    port
  )
  return {
    ...svc,
    url: `mongodb://127.0.0.1:${port}/`,
    stop: async () => {
      await svc.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
