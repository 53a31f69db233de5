/**
 * The annotated-text format of the entity data in train/ and eval/: entities written inline as
 * `[[PER:Ada Lovelace]]`, `[[LOC:Paris]]`, `[[ORG:Globex]]`. Reading it gives the plain text and
 * the spans' offsets in it, so nobody counts characters by hand.
 */
export interface MarkedSpan {
  label: string
  start: number
  end: number
}

const MARK = /\[\[([A-Z]+):([^\]]+)\]\]/g

export function parseMarkup(marked: string): { text: string; spans: MarkedSpan[] } {
  let text = ''
  let last = 0
  const spans: MarkedSpan[] = []
  for (const m of marked.matchAll(MARK)) {
    text += marked.slice(last, m.index)
    const value = m[2] as string
    spans.push({ label: m[1] as string, start: text.length, end: text.length + value.length })
    text += value
    last = m.index + m[0].length
  }
  text += marked.slice(last)
  if (text.includes('[[') || text.includes(']]'))
    throw new Error(`unbalanced entity markup in: ${marked}`)
  return { text, spans }
}
