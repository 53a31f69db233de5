import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'

export type Device = 'auto' | 'cpu' | 'cuda'

/** How many sessions of one model run on the CPU, and how many intra-op threads each uses. */
export interface SessionPlan {
  workers: number
  threads: number
}

/**
 * The CPU plan for `cores` cores (MODEL_WORKERS and MODEL_THREADS override either half). One
 * thread per session on small boxes: measured on 2 cores, two single-threaded sessions encode
 * 1.2x faster than one session on two threads, and leave the event loop a core to share instead
 * of two spinning intra-op threads. Bigger boxes get up to four threads a session, a session per
 * four cores.
 */
export function planSessions(
  cores: number,
  override: { workers?: number | undefined; threads?: number | undefined } = {}
): SessionPlan {
  const threads = override.threads ?? (cores <= 3 ? 1 : Math.min(4, Math.floor(cores / 2)))
  const workers = override.workers ?? Math.max(1, Math.floor(cores / threads))
  return { workers: Math.max(1, workers), threads: Math.max(1, threads) }
}

export const defaultPlan = (
  override: { workers?: number | undefined; threads?: number | undefined } = {}
) => planSessions(availableParallelism(), override)

/**
 * Whether onnxruntime-node's CUDA provider library is installed beside its binding (its
 * installer fetches it on GPU machines; CPU machines never have it). `auto` only tries CUDA
 * then, so CPU boxes do not pay, or log, a failed attempt at every start.
 */
export function cudaProviderInstalled(): boolean {
  const pkg = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
  const lib =
    process.platform === 'win32'
      ? 'onnxruntime_providers_cuda.dll'
      : 'libonnxruntime_providers_cuda.so'
  return existsSync(join(pkg, 'bin', 'napi-v6', process.platform, process.arch, lib))
}
