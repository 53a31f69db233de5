/**
 * BERT's pre-tokenisation, kept with character offsets: runs of non-space, non-punctuation
 * characters are words, each punctuation mark is a word of its own. The WordPiece tokenizer
 * gives the same pieces for a text as for its words one by one, so tokenising word by word
 * keeps the mapping from every token state back to a span of the original text (the
 * tokenizer itself reports no offsets), which token-classification heads need.
 */
export interface Word {
  text: string
  start: number
  end: number
}

// ASCII ranges BERT treats as punctuation ($, +, <, =, >, ^, `, |, ~ included), plus Unicode P.
const WORD = /[^\s\p{P}!-/:-@[-`{-~]+|[\p{P}!-/:-@[-`{-~]/gu

export function splitWords(text: string): Word[] {
  const out: Word[] = []
  for (const m of text.matchAll(WORD))
    out.push({ text: m[0], start: m.index, end: m.index + m[0].length })
  return out
}

/**
 * Groups consecutive words into windows of at most `maxPieces` pieces (a word is never split
 * across windows; a single word longer than a window is cut), at most `maxWindows` of them:
 * text past the last window is not seen by the models.
 */
export function windowWords(
  pieceCounts: readonly number[],
  maxPieces: number,
  maxWindows: number
): { first: number; end: number }[] {
  const windows: { first: number; end: number }[] = []
  let first = 0
  let used = 0
  for (let i = 0; i < pieceCounts.length; i++) {
    const n = Math.min(pieceCounts[i] as number, maxPieces)
    if (used + n > maxPieces && i > first) {
      windows.push({ first, end: i })
      if (windows.length === maxWindows) return windows
      first = i
      used = 0
    }
    used += n
  }
  if (pieceCounts.length > first || windows.length === 0)
    windows.push({ first, end: pieceCounts.length })
  return windows
}
