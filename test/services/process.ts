import { spawn, type ChildProcess } from 'node:child_process'
import { waitForPort } from './net'

/** A started service: where it listens and how to stop it. */
export interface RunningService {
  readonly name: string
  readonly port: number
  stop(): Promise<void>
}

/**
 * Spawns a server process, waits until its port accepts connections and returns a handle whose
 * `stop` sends SIGTERM (SIGKILL after 5 s). Output is kept and shown if the start fails.
 */
export async function spawnService(
  name: string,
  command: string,
  args: string[],
  port: number,
  startTimeoutMs = 30_000
): Promise<RunningService> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`${name}: cannot start ${command}: ${err.message}`))
    )
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code} during start:\n${output}`))
    )
  })
  try {
    await Promise.race([waitForPort(port, startTimeoutMs, name), exited])
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  exited.catch(() => undefined)
  return { name, port, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
