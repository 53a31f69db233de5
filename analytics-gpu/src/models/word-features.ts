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
 * A linear head's logits for every word of a text, as `wordFeatures` would give them, without
 * building each word's feature vector: each state is projected once through the head's
 * self, previous-word and next-word blocks, and each word adds up its neighbours'
 * projections (three times less arithmetic, no allocation per word).
 */
export function wordLogits(
  head: { weights: readonly (readonly number[])[]; bias: readonly number[] },
  words: readonly Word[],
  states: readonly Float32Array[],
  cased: boolean
): Float64Array[] {
  const k = head.bias.length
  const h = states[0]?.length ?? 0
  const proj = (s: Float32Array, block: number) => {
    const out = new Float64Array(k)
    for (let c = 0; c < k; c++) {
      const row = head.weights[c] as readonly number[]
      let z = 0
      for (let d = 0; d < h; d++) z += (row[block * h + d] as number) * (s[d] as number)
      out[c] = z
    }
    return out
  }
  const self = states.map((s) => proj(s, 0))
  const asPrev = states.map((s) => proj(s, 1))
  const asNext = states.map((s) => proj(s, 2))
  return words.map((_, i) => {
    const shape = shapeOf(words, i, cased)
    const z = new Float64Array(k)
    for (let c = 0; c < k; c++) {
      const row = head.weights[c] as readonly number[]
      let v = (head.bias[c] as number) + (self[i]?.[c] ?? 0)
      v += asPrev[i - 1]?.[c] ?? 0
      v += asNext[i + 1]?.[c] ?? 0
      for (let f = 0; f < SHAPE_FEATURES; f++)
        v += (row[3 * h + f] as number) * (shape[f] as number)
      z[c] = v
    }
    return z
  })
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
