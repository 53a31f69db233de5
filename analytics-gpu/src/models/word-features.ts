import type { Word } from './words'

/**
 * What a token-classification head sees for one word: the encoder's state for the word and
 * its neighbours (context the uncased encoder gives), plus the word's shape, which the uncased
 * encoder cannot see: capitals are most of the evidence for a name in cased text, and none
 * at all in text written all in lower or upper case (hence the `cased` flag).
 */
export const SHAPE_FEATURES = 9

const SENTENCE_END = /^[.!?:;]$/
const upperInitial = (w: string | undefined) => !!w && /^\p{Lu}/u.test(w)

/** The shape features of word `i` (the tail of its feature vector). */
function shapeOf(words: readonly Word[], i: number, cased: boolean): number[] {
  const w = (words[i] as Word).text
  const prev = words[i - 1]?.text
  const c = cased ? 1 : 0
  return [
    c,
    c * (upperInitial(w) ? 1 : 0),
    c * (w.length > 1 && /^[\p{Lu}\d]+$/u.test(w) && /\p{Lu}/u.test(w) ? 1 : 0),
    c * (upperInitial(prev) ? 1 : 0),
    c * (upperInitial(words[i + 1]?.text) ? 1 : 0),
    prev === undefined || SENTENCE_END.test(prev) ? 1 : 0,
    /\d/.test(w) ? 1 : 0,
    /^[\p{P}\p{S}]$/u.test(w) ? 1 : 0,
    w.length > 1 ? 1 : 0,
  ]
}

/**
 * A word head's weights laid out for projection. Softmax ignores a shift common to every
 * label, so each label's weights are kept relative to the first label's (whose logit is then
 * zero): a quarter less arithmetic for a four-label head, the same probabilities.
 */
interface Compiled {
  k: number
  h: number
  /** t[(b * (k-1) + (c-1)) * h + d]: block b (self, as previous, as next), label c. */
  t: Float64Array
  shape: Float64Array
  bias: Float64Array
}
const compiled = new WeakMap<object, Compiled>()

function compile(
  head: { weights: readonly (readonly number[])[]; bias: readonly number[] },
  h: number
): Compiled {
  const hit = compiled.get(head)
  if (hit?.h === h) return hit
  const k = head.bias.length
  const m = k - 1
  const base = head.weights[0] as readonly number[]
  const rel = (c: number, j: number) =>
    ((head.weights[c] as readonly number[])[j] as number) - (base[j] as number)
  const t = new Float64Array(h * 3 * m)
  const shape = new Float64Array(m * SHAPE_FEATURES)
  const bias = new Float64Array(m)
  for (let c = 1; c < k; c++) {
    for (let b = 0; b < 3; b++)
      for (let d = 0; d < h; d++) t[(b * m + (c - 1)) * h + d] = rel(c, b * h + d)
    for (let f = 0; f < SHAPE_FEATURES; f++) shape[(c - 1) * SHAPE_FEATURES + f] = rel(c, 3 * h + f)
    bias[c - 1] = (head.bias[c] as number) - (head.bias[0] as number)
  }
  const out: Compiled = { k, h, t, shape, bias }
  compiled.set(head, out)
  return out
}

/**
 * A linear head's logits for every word of a text (up to a shift per word, which softmax
 * ignores), as `wordFeatures` would give them, without building each word's feature vector:
 * each state is projected once through the head's self, previous-word and next-word blocks,
 * and each word adds up its neighbours' projections (three times less arithmetic, no
 * allocation per word).
 */
export function wordLogits(
  head: { weights: readonly (readonly number[])[]; bias: readonly number[] },
  words: readonly Word[],
  states: readonly Float32Array[],
  cased: boolean
): Float64Array[] {
  const n = words.length
  const { k, h, t, shape: shapeW, bias } = compile(head, states[0]?.length ?? 0)
  const m = k - 1
  const w = 3 * m
  // proj[i * w + b * m + c]: word i's state through block b, label c + 1.
  const proj = new Float64Array(n * w)
  for (let i = 0; i < n; i++) {
    const s = states[i]
    if (!s) continue
    for (let r = 0; r < w; r++) {
      const row = r * h
      let z = 0
      for (let d = 0; d < h; d++) z += (t[row + d] as number) * (s[d] as number)
      proj[i * w + r] = z
    }
  }
  const out: Float64Array[] = []
  for (let i = 0; i < n; i++) {
    const shape = shapeOf(words, i, cased)
    const z = new Float64Array(k)
    for (let c = 0; c < m; c++) {
      let v = (bias[c] as number) + (proj[i * w + c] as number)
      if (i > 0) v += proj[(i - 1) * w + m + c] as number
      if (i + 1 < n) v += proj[(i + 1) * w + 2 * m + c] as number
      for (let f = 0; f < SHAPE_FEATURES; f++)
        v += (shapeW[c * SHAPE_FEATURES + f] as number) * (shape[f] as number)
      z[c + 1] = v
    }
    out.push(z)
  }
  return out
}

export function wordFeatures(
  words: readonly Word[],
  states: readonly Float32Array[],
  i: number,
  cased: boolean
): Float32Array {
  const h = states[i]?.length ?? 0
  const out = new Float32Array(3 * h + SHAPE_FEATURES)
  const put = (s: Float32Array | undefined, at: number) => {
    if (s) out.set(s, at)
  }
  put(states[i], 0)
  put(states[i - 1], h)
  put(states[i + 1], 2 * h)
  out.set(shapeOf(words, i, cased), 3 * h)
  return out
}

/** Whether capitals carry information in this text (it has both cases). */
export const isCased = (text: string) => /\p{Ll}/u.test(text) && /\p{Lu}/u.test(text)
