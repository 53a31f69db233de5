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
  const w = (words[i] as Word).text
  const prev = words[i - 1]?.text
  const c = cased ? 1 : 0
  const shape = [
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
  out.set(shape, 3 * h)
  return out
}

/** Whether capitals carry information in this text (it has both cases). */
export const isCased = (text: string) => /\p{Ll}/u.test(text) && /\p{Lu}/u.test(text)
