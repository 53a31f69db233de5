import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'

export type Device = 'auto' | 'cpu' | 'cuda'

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

/**
 * Opens an ONNX session on the GPU when asked for (or, with `auto`, when one is there) and on
 * the CPU otherwise. onnxruntime-node throws at creation when the CUDA provider's libraries are
 * absent (it does not fall back by itself), so CUDA is tried alone and the CPU is the fallback.
 * One intra-op thread: on small boxes more threads spin and slow each other down.
 */
export async function openSession(
  path: string,
  device: Device = 'auto',
  threads = 1
): Promise<{ session: ort.InferenceSession; provider: 'cuda' | 'cpu'; cudaError?: string }> {
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  }
  let cudaError: string | undefined
  if (device === 'cuda' || (device === 'auto' && cudaProviderInstalled())) {
    try {
      const session = await ort.InferenceSession.create(path, {
        ...base,
        executionProviders: ['cuda'],
      })
      return { session, provider: 'cuda' }
    } catch (err) {
      cudaError = String(err).split('\n')[0]
      if (device === 'cuda') throw new Error(`CUDA was required but is unavailable: ${cudaError}`)
    }
  }
  const session = await ort.InferenceSession.create(path, { ...base, executionProviders: ['cpu'] })
  return { session, provider: 'cpu', ...(cudaError ? { cudaError } : {}) }
}

export { ort }
