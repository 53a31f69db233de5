import type { Word } from '../models/words'

export interface TaggedSpan {
  label: string
  start: number
  end: number
  /** Mean over the span's words of the probability that the word is not `negative`. */
  score: number
}

const isPunct = (w: Word) => !/[\p{L}\p{N}]/u.test(w.text)

/**
 * Turns per-word label probabilities into entity spans: a word belongs to an entity when the
 * probability that it is not the negative label reaches the threshold, and takes its most
 * likely entity label; neighbouring words with the same label join into one span (so
 * "García - López" is one name), and punctuation at either end is trimmed off. Pure.
 */
export function tagSpans(
  words: readonly Word[],
  probs: readonly ArrayLike<number>[],
  labels: readonly string[],
  negative: string,
  threshold: number
): TaggedSpan[] {
  const neg = labels.indexOf(negative)
  const tags = words.map((_, i) => {
    const p = probs[i] as ArrayLike<number>
    const entity = 1 - (p[neg] ?? 0)
    let best = -1
    for (let k = 0; k < labels.length; k++)
      if (k !== neg && (best < 0 || (p[k] as number) > (p[best] as number))) best = k
    return entity >= threshold && best >= 0 ? { label: labels[best] as string, entity } : null
  })
  const spans: TaggedSpan[] = []
  for (let i = 0; i < words.length;) {
    const tag = tags[i]
    if (!tag) {
      i++
      continue
    }
    let j = i
    while (j + 1 < words.length && tags[j + 1]?.label === tag.label) j++
    let [a, b] = [i, j]
    while (a <= b && isPunct(words[a] as Word)) a++
    while (b >= a && isPunct(words[b] as Word)) b--
    if (a <= b) {
      let sum = 0
      for (let k = a; k <= b; k++) sum += (tags[k] as { entity: number }).entity
      spans.push({
        label: tag.label,
        start: (words[a] as Word).start,
        end: (words[b] as Word).end,
        score: sum / (b - a + 1),
      })
    }
    i = j + 1
  }
  return spans
}
