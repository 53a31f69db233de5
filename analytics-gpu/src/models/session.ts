import * as ort from 'onnxruntime-node'

export type Device = 'auto' | 'cpu' | 'cuda'

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
  if (device !== 'cpu') {
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
