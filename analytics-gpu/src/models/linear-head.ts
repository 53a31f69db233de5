import { readFileSync } from 'node:fs'
import { z } from 'zod'

/** A logistic-regression head over sentence embeddings, as `train/` writes it. */
export const LinearHeadWeights = z.object({
  weights: z.array(z.number()),
  bias: z.number(),
  /** How it was made, so a head can be traced to its data and encoder. */
  trainedOn: z.object({
    data: z.string(),
    sha256: z.string(),
    examples: z.number(),
    encoder: z.string(),
  }),
})
export type LinearHeadWeights = z.infer<typeof LinearHeadWeights>

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/** The head's probability of the positive label for one embedding. */
export function predict(
  head: Pick<LinearHeadWeights, 'weights' | 'bias'>,
  x: Float32Array
): number {
  let z = head.bias
  for (let i = 0; i < x.length; i++) z += (head.weights[i] ?? 0) * (x[i] as number)
  return sigmoid(z)
}

export function readHead(path: string): LinearHeadWeights {
  return LinearHeadWeights.parse(JSON.parse(readFileSync(path, 'utf8')))
}

/**
 * Full-batch gradient descent on the logistic loss with L2 regularisation, from zero weights:
 * deterministic for the same embeddings, so the same data always gives the same head.
 */
export function trainLogistic(
  xs: readonly Float32Array[],
  ys: readonly (0 | 1)[],
  options: { epochs?: number; rate?: number; l2?: number } = {}
): { weights: number[]; bias: number } {
  const { epochs = 3000, rate = 1, l2 = 1e-3 } = options
  const dims = xs[0]?.length ?? 0
  const w = new Float64Array(dims)
  let b = 0
  const n = xs.length
  for (let e = 0; e < epochs; e++) {
    const gw = new Float64Array(dims)
    let gb = 0
    for (let i = 0; i < n; i++) {
      const x = xs[i] as Float32Array
      let z = b
      for (let d = 0; d < dims; d++) z += (w[d] as number) * (x[d] as number)
      const err = sigmoid(z) - (ys[i] as number)
      for (let d = 0; d < dims; d++) gw[d] = (gw[d] as number) + err * (x[d] as number)
      gb += err
    }
    for (let d = 0; d < dims; d++)
      w[d] = (w[d] as number) - rate * ((gw[d] as number) / n + l2 * (w[d] as number))
    b -= (rate * gb) / n
  }
  return {
    weights: Array.from(w, (v) => Math.round(v * 1e6) / 1e6),
    bias: Math.round(b * 1e6) / 1e6,
  }
}
