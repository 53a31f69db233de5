import { Adam } from './adam'
/**
 * Attention pooling for text heads. A sentence embedding averages every word alike, so an
 * attack sentence inside a pasted e-mail weighs what its share of the words weighs and the
 * whole reads as a benign e-mail. An attention head learns which words to look at: each of
 * its `K` query vectors scores every word's (unit-length) state, a softmax over the words
 * turns the scores into weights, and the weighted sum of states is that query's summary. The
 * head classifies the sentence embedding and the summaries together, with a softmax over its
 * labels, so one head still reads the one shared encoder pass.
 */

/** What a text gives an attention head: its embedding and one state per word. */
export interface AttentionInput {
  embedding: ArrayLike<number>
  states: readonly ArrayLike<number>[]
}

export interface AttentionWeights {
  /** K query vectors, one per row, each of the state width. */
  attention: readonly (readonly number[])[]
  /** One row per label over [embedding, summary 1, ... summary K]. */
  weights: readonly (readonly number[])[]
  bias: readonly number[]
}

/** Word states scaled to unit length, packed row after row. */
function unitStates(states: readonly ArrayLike<number>[], h: number): Float32Array {
  const out = new Float32Array(states.length * h)
  states.forEach((s, i) => {
    let norm = 0
    for (let d = 0; d < h; d++) norm += (s[d] as number) ** 2
    norm = Math.sqrt(norm) || 1
    for (let d = 0; d < h; d++) out[i * h + d] = (s[d] as number) / norm
  })
  return out
}

/** a[ao..ao+h) · b[bo..bo+h), four sums at a time (the training loop's hot spot). */
function dot(a: Float64Array, ao: number, b: Float32Array, bo: number, h: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  let d = 0
  for (; d + 3 < h; d += 4) {
    s0 += (a[ao + d] as number) * (b[bo + d] as number)
    s1 += (a[ao + d + 1] as number) * (b[bo + d + 1] as number)
    s2 += (a[ao + d + 2] as number) * (b[bo + d + 2] as number)
    s3 += (a[ao + d + 3] as number) * (b[bo + d + 3] as number)
  }
  for (; d < h; d++) s0 += (a[ao + d] as number) * (b[bo + d] as number)
  return s0 + s1 + s2 + s3
}

/** out[oo..oo+h) += w * x[xo..xo+h). */
function axpy(out: Float64Array, oo: number, w: number, x: Float32Array, xo: number, h: number) {
  for (let d = 0; d < h; d++) out[oo + d] = (out[oo + d] as number) + w * (x[xo + d] as number)
}

/** Each query's softmax weights over the words (alphas[q * n + i]) and summaries. */
function attend(
  queries: Float64Array,
  k: number,
  s: Float32Array,
  n: number,
  h: number,
  alphas = new Float64Array(k * n),
  summaries = new Float64Array(k * h)
): { alphas: Float64Array; summaries: Float64Array } {
  summaries.fill(0)
  for (let q = 0; q < k; q++) {
    const qo = q * h
    let max = -Infinity
    for (let i = 0; i < n; i++) {
      const z = dot(queries, qo, s, i * h, h)
      alphas[q * n + i] = z
      if (z > max) max = z
    }
    let sum = 0
    for (let i = 0; i < n; i++)
      sum += alphas[q * n + i] = Math.exp((alphas[q * n + i] as number) - max)
    for (let i = 0; i < n; i++) {
      const w = (alphas[q * n + i] = (alphas[q * n + i] as number) / sum)
      axpy(summaries, qo, w, s, i * h, h)
    }
  }
  return { alphas, summaries }
}

/** A head's query vectors packed for `attend`, once per head. */
const packedQueries = new WeakMap<object, Float64Array>()
function queriesOf(head: Pick<AttentionWeights, 'attention'>): Float64Array {
  let q = packedQueries.get(head.attention)
  if (!q) {
    q = Float64Array.from(head.attention.flat())
    packedQueries.set(head.attention, q)
  }
  return q
}

/** The feature vector a head's rows are applied to: [embedding, summaries]. */
function features(embedding: ArrayLike<number>, summaries: Float64Array): Float64Array {
  const x = new Float64Array(embedding.length + summaries.length)
  for (let d = 0; d < embedding.length; d++) x[d] = embedding[d] as number
  x.set(summaries, embedding.length)
  return x
}

/**
 * The head's features for one text (a text without words is summarised by zeros), and where
 * its first query looked (one weight per word), for evidence.
 */
export function attentionFeatures(
  head: Pick<AttentionWeights, 'attention'>,
  input: AttentionInput
): { x: Float64Array; focus: Float64Array } {
  const h = input.embedding.length
  const n = input.states.length
  const k = head.attention.length
  const { alphas, summaries } = attend(queriesOf(head), k, unitStates(input.states, h), n, h)
  return { x: features(input.embedding, summaries), focus: alphas.subarray(0, n) }
}

/**
 * Trains an attention head: full-batch Adam on the softmax cross-entropy with L2 on every
 * weight but the biases, from zero queries (attention starts as the plain average of the
 * words) and zero rows: no sampling, so the same data always gives the same head. Each
 * example weighs `classWeights[y]` (normalised over the set).
 */
export function trainAttention(
  examples: readonly AttentionInput[],
  ys: readonly number[],
  labels: number,
  options: {
    queries?: number
    epochs?: number
    rate?: number
    l2?: number
    classWeights?: readonly number[]
  } = {}
): { attention: number[][]; weights: number[][]; bias: number[] } {
  const { queries: k = 1, epochs = 300, rate = 0.05, l2 = 1e-4 } = options
  const h = examples[0]?.embedding.length ?? 0
  const dims = h + k * h
  const packed = examples.map((e) => ({
    e: Float64Array.from(e.embedding),
    s: unitStates(e.states, h),
    n: e.states.length,
  }))
  const cw = options.classWeights ?? new Array<number>(labels).fill(1)
  let wsum = 0
  for (const y of ys) wsum += cw[y] as number
  // theta: queries (k * h), rows (labels * dims), biases (labels).
  const Q = 0
  const W = k * h
  const B = W + labels * dims
  const size = B + labels
  const theta = new Float64Array(size)
  const adam = new Adam(theta, { rate, l2, decayed: B })
  const queryRows = () =>
    Array.from({ length: k }, (_, q) => Array.from(theta.subarray(Q + q * h, Q + (q + 1) * h)))
  const z = new Float64Array(labels)
  const dx = new Float64Array(dims)
  const x = new Float64Array(dims)
  const longest = Math.max(0, ...packed.map((p) => p.n))
  const alphaBuf = new Float64Array(k * longest)
  const summaryBuf = new Float64Array(k * h)
  const da = new Float64Array(longest)
  const g = new Float64Array(size)
  for (let epoch = 1; epoch <= epochs; epoch++) {
    g.fill(0)
    const qs = theta.subarray(Q, Q + k * h)
    packed.forEach(({ e, s, n }, i) => {
      const { alphas, summaries } = attend(qs, k, s, n, h, alphaBuf, summaryBuf)
      x.set(e)
      x.set(summaries, h)
      for (let c = 0; c < labels; c++) {
        let t = theta[B + c] as number
        for (let d = 0; d < dims; d++) t += (theta[W + c * dims + d] as number) * (x[d] as number)
        z[c] = t
      }
      let max = -Infinity
      for (const t of z) max = Math.max(max, t)
      let sum = 0
      for (let c = 0; c < labels; c++) sum += z[c] = Math.exp((z[c] as number) - max)
      const y = ys[i] as number
      const w = (cw[y] as number) / wsum
      dx.fill(0)
      for (let c = 0; c < labels; c++) {
        const err = w * ((z[c] as number) / sum - (c === y ? 1 : 0))
        g[B + c] = (g[B + c] as number) + err
        const row = W + c * dims
        for (let d = 0; d < dims; d++) {
          g[row + d] = (g[row + d] as number) + err * (x[d] as number)
          dx[d] = (dx[d] as number) + err * (theta[row + d] as number)
        }
      }
      // Back through each summary: d(summary)/d(alpha_i) = s_i, then through the softmax.
      for (let q = 0; q < k; q++) {
        const off = h + q * h
        const go = Q + q * h
        let mean = 0
        for (let j = 0; j < n; j++) {
          const t = dot(dx, off, s, j * h, h)
          da[j] = t
          mean += (alphas[q * n + j] as number) * t
        }
        for (let j = 0; j < n; j++) {
          const ds = (alphas[q * n + j] as number) * ((da[j] as number) - mean)
          if (ds !== 0) axpy(g, go, ds, s, j * h, h)
        }
      }
    })
    adam.step(g)
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6
  return {
    attention: queryRows().map((r) => r.map(round)),
    weights: Array.from({ length: labels }, (_, c) =>
      Array.from(theta.subarray(W + c * dims, W + (c + 1) * dims), round)
    ),
    bias: Array.from(theta.subarray(B), round),
  }
}
