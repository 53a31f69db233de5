import { spawn, type ChildProcess } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

export interface WranglerDevOptions {
  port: number
  inspectorPort: number
  persistTo: string
  vars: Record<string, string>
  /** Show wrangler's own output (request log etc.). */
  verbose: boolean
}

/**
 * Runs `wrangler dev` for the gateway on loopback with local DO/R2/KV persistence, offline
 * (no metrics, no Cloudflare fetches). Resolves once /healthz answers.
 */
export async function startWranglerDev(
  opts: WranglerDevOptions
): Promise<{ url: string; child: ChildProcess }> {
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--inspector-port',
    String(opts.inspectorPort),
    '--persist-to',
    opts.persistTo,
    '--show-interactive-dev-session=false',
    '--log-level',
    opts.verbose ? 'log' : 'warn',
  ]
  for (const [k, v] of Object.entries(opts.vars)) args.push('--var', `${k}:${v}`)
  const child = spawn('npx', ['wrangler', ...args], {
    stdio: ['ignore', opts.verbose ? 'inherit' : 'pipe', opts.verbose ? 'inherit' : 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
    detached: true,
  })
  let output = ''
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-8_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  const url = `http://127.0.0.1:${opts.port}`
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) return { url, child }
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  stopProcessGroup(child)
  throw new Error(`wrangler dev did not become healthy within 90 s:\n${output}`)
}

/** Stops wrangler and the workerd it spawned (they share a process group). */
export function stopProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    child.kill('SIGTERM')
  }
}
