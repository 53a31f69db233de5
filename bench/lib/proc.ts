import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

/** Peak resident set (VmHWM) of a process in MiB, from /proc. */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN)
  return kb / 1024
}

/** Current resident set (VmRSS) of a process in MiB. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024
}

/** Pins a process and all its threads to one CPU. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' })
}

/** Direct children of `pid` whose command name is `name` (e.g. the workerd Miniflare spawned). */
export function childrenNamed(pid: number, name: string): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat)
      if (m?.[1] === name && Number(m[2]) === pid) out.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return out
}

/** Spawns a long-running helper, returning once `ready` appears in its output. */
export async function spawnReady(
  command: string,
  args: string[],
  ready: RegExp,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
): Promise<ChildProcess> {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: opts.cwd,
    env: opts.env ?? process.env,
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command} not ready in 60 s:\n${out}`)),
      60_000
    )
    const onData = (b: Buffer) => {
      out += b.toString()
      if (ready.test(out)) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${command} exited with ${code}:\n${out}`))
    })
  })
  return child
}
