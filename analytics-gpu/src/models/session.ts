import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'

export type Device = 'auto' | 'cpu' | 'cuda'

/**
 * Intra-op threads per model session: every core up to four (on a 2-core box two threads
 * encode about 1.5x faster than one). MODEL_THREADS overrides it.
 */
export const defaultThreads = () => Math.min(4, availableParallelism())

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
