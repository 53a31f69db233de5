import { Adam } from './adam'
import { readFileSync } from 'node:fs'
import { z } from 'zod'

/**
 * A softmax-regression head over encoder features, as `train/` writes it: one row of weights
 * per label. Over the sentence embedding it classifies a text; over the embedding and
 * attention-pooled word states (`attention`, see attention.ts) it classifies a text from the
 * words that matter; over a word's features (`word-context`, see word-features.ts) it tags a
 * word.
 */
export const HeadWeights = z
  .object({
    labels: z.array(z.string().min(1)).min(2),
    features: z.enum(['embedding', 'attention', 'word-context']),
    weights: z.array(z.array(z.number())),
    bias: z.array(z.number()),
    /** The query vectors of an attention head, one per row. */
    attention: z.array(z.array(z.number()).min(1)).min(1).optional(),
    /** How it was made, so a head can be traced to its data and encoder. */
    trainedOn: z.object({
      data: z.string(),
      sha256: z.string(),
      examples: z.number(),
      encoder: z.string(),
    }),
  })
  .refine((h) => h.weights.length === h.labels.length && h.bias.length === h.labels.length, {
    message: 'one weight row and one bias per label',
  })
  .refine((h) => (h.features === 'attention') === (h.attention !== undefined), {
    message: 'an attention head, and only one, has query vectors',
  })
  .refine(
    (h) => {
      const q = h.attention
      const width = q?.[0]?.length
      return (
        !q ||
        (q.every((r) => r.length === width) &&
          h.weights.every((r) => r.length === (q.length + 1) * (width as number)))
      )
    },
    { message: 'attention rows of one width, label rows over the embedding and each summary' }
  )
export type HeadWeights = z.infer<typeof HeadWeights>

export function readHead(path: string): HeadWeights {
  return HeadWeights.parse(JSON.parse(readFileSync(path, 'utf8')))
}

/** Softmax in place over `z`. */
export function softmax(z: Float64Array): Float64Array {
  let max = -Infinity
  for (const v of z) max = Math.max(max, v)
  let sum = 0
  for (let k = 0; k < z.length; k++) sum += z[k] = Math.exp((z[k] as number) - max)
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) / sum
  return z
}

/** The head's probability for each of its labels, in label order. */
export function predict(
  head: Pick<HeadWeights, 'weights' | 'bias'>,
  x: ArrayLike<number>
): Float64Array {
  const z = new Float64Array(head.bias)
  head.weights.forEach((row, k) => {
    let s = z[k] as number
    const n = Math.min(row.length, x.length)
    for (let d = 0; d < n; d++) s += (row[d] as number) * (x[d] as number)
    z[k] = s
  })
  return softmax(z)
}

/**
 * Full-batch Adam on the softmax cross-entropy with L2 regularisation, from zero weights:
 * no sampling anywhere, so the same features always give the same head. `weightOf` scales
 * each class's loss (a rare class given more weight raises its recall).
 */
export function trainSoftmax(
  xs: readonly ArrayLike<number>[],
  ys: readonly number[],
  labels: number,
  options: { epochs?: number; rate?: number; l2?: number; classWeights?: readonly number[] } = {}
): { weights: number[][]; bias: number[] } {
  const { epochs = 300, rate = 0.05, l2 = 1e-4 } = options
  const n = xs.length
  const dims = xs[0]?.length ?? 0
  const X = new Float32Array(n * dims)
  xs.forEach((x, i) => X.set(Array.from(x), i * dims))
  const cw = options.classWeights ?? new Array<number>(labels).fill(1)
  const size = labels * (dims + 1) // weights then bias, one row per label
  const theta = new Float64Array(size)
  const adam = new Adam(theta, { rate, l2, decayed: labels * dims })
  const z = new Float64Array(labels)
  let wsum = 0
  for (const y of ys) wsum += cw[y] as number
  for (let e = 1; e <= epochs; e++) {
    const g = new Float64Array(size)
    for (let i = 0; i < n; i++) {
      const base = i * dims
      for (let k = 0; k < labels; k++) {
        let s = theta[labels * dims + k] as number
        const row = k * dims
        for (let d = 0; d < dims; d++) s += (theta[row + d] as number) * (X[base + d] as number)
        z[k] = s
      }
      softmax(z)
      const y = ys[i] as number
      const w = (cw[y] as number) / wsum
      for (let k = 0; k < labels; k++) {
        const err = w * ((z[k] as number) - (k === y ? 1 : 0))
        if (err === 0) continue
        const row = k * dims
        for (let d = 0; d < dims; d++)
          g[row + d] = (g[row + d] as number) + err * (X[base + d] as number)
        g[labels * dims + k] = (g[labels * dims + k] as number) + err
      }
    }
    adam.step(g)
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6
  return {
    weights: Array.from({ length: labels }, (_, k) =>
      Array.from(theta.subarray(k * dims, (k + 1) * dims), round)
    ),
    bias: Array.from(theta.subarray(labels * dims), round),
  }
}
