import type { DetectorId, Finding, Segment, Severity } from './types'

/** One pattern: a regex (global), what it is, how bad, and an optional validator of the match. */
export interface PatternRule {
  kind: string
  re: RegExp
  severity: Severity
  score: number
  /** Refuses matches that only look right (a card that fails Luhn is not a card). */
  valid?: (match: string) => boolean
  /** Which capture group is the finding (default: the whole match). */
  group?: number
}

/** Runs every rule over the segment; overlapping matches of the same kind are reported once. */
export function matchRules(
  detector: DetectorId,
  rules: readonly PatternRule[],
  s: Segment
): Finding[] {
  const out: Finding[] = []
  for (const rule of rules) {
    rule.re.lastIndex = 0
    for (const m of s.text.matchAll(rule.re)) {
      const text = rule.group ? m[rule.group] : m[0]
      if (text === undefined || m.index === undefined) continue
      const start = m.index + (rule.group ? m[0].indexOf(text) : 0)
      if (rule.valid && !rule.valid(text)) continue
      out.push(finding(detector, rule, s, start, text.length))
    }
  }
  return dedupe(out)
}

function finding(
  detector: DetectorId,
  rule: Pick<PatternRule, 'kind' | 'score' | 'severity'>,
  s: Segment,
  start: number,
  length: number
): Finding {
  const { kind, score, severity } = rule
  return {
    detector,
    kind,
    score,
    severity,
    field: s.field,
    path: s.path,
    start,
    end: start + length,
  }
}

/** Drops findings contained in a longer (or equal, earlier) finding of the same detector. */
function dedupe(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort((a, b) => a.start - b.start || b.end - a.end)
  const kept: Finding[] = []
  for (const f of sorted) {
    const inside = kept.some((k) => k.start <= f.start && k.end >= f.end && k.kind === f.kind)
    if (!inside) kept.push(f)
  }
  return kept
}

/**
 * An identifier that is only evidence next to its label: every value found within `window`
 * characters after a label ("dx: J45.909, R05.9" gives two), or only the first one when other
 * numbers tend to follow ("Member ID: X123456 Group: 0082741"). In a table whose header names
 * the column (`provider_npi,name,dea`), every cell of that column is read the same way.
 */
export interface LabelledRule {
  kind: string
  label: RegExp
  value: RegExp
  window: number
  first?: boolean
  /** Header names of a CSV or TSV column holding these values. */
  column?: RegExp
  severity: Severity
  score: number
  valid?: (match: string) => boolean
}

export function matchLabelled(
  detector: DetectorId,
  rules: readonly LabelledRule[],
  s: Segment
): Finding[] {
  const out: Finding[] = []
  const push = (rule: LabelledRule, value: string, start: number) => {
    if (rule.valid && !rule.valid(value)) return false
    out.push(finding(detector, rule, s, start, value.length))
    return true
  }
  const tables = tablesIn(s.text)
  // A label in a table's header names a column (read below), not the text after it.
  const inHeader = (at: number) => tables.some((t) => t.start <= at && at < t.end)
  for (const rule of rules) {
    for (const label of s.text.matchAll(rule.label)) {
      if (inHeader(label.index)) continue
      const from = label.index + label[0].length
      const window = s.text.slice(from, from + rule.window)
      for (const v of window.matchAll(rule.value))
        if (push(rule, v[0], from + v.index) && rule.first) break
    }
  }
  tableCells(rules, tables, push)
  return dedupe(out)
}

interface Table {
  sep: string
  header: string[]
  /** Where the header line starts and ends in the text. */
  start: number
  end: number
  rows: { line: string; offset: number }[]
}

/** A line's cells and where each starts, honouring double quotes ("Chen, Wei",1113531135). */
function splitCells(line: string, sep: string): { cell: string; at: number }[] {
  const out: { cell: string; at: number }[] = []
  // A Markdown row's outer pipes open and close it; they part no cells.
  if (sep === '|' && /^\s*\|.*\|\s*$/.test(line)) {
    const open = line.indexOf('|')
    return splitCells(line.slice(open + 1, line.lastIndexOf('|')), sep).map((c) => ({
      ...c,
      at: c.at + open + 1,
    }))
  }
  let start = 0
  let quoted = false
  for (let i = 0; i <= line.length; i++) {
    const ch = line[i]
    if (ch === '"') quoted = !quoted
    else if (i === line.length || (ch === sep && !quoted)) {
      const raw = line.slice(start, i)
      const lead = raw.length - raw.trimStart().length
      let cell = raw.trim()
      let at = start + lead
      if (cell.length >= 2 && cell.startsWith('"') && cell.endsWith('"')) {
        cell = cell.slice(1, -1)
        at++
      }
      out.push({ cell, at })
      start = i + 1
    }
  }
  return out
}

/** Column separators, most specific first: TSV, Markdown or pipe tables, European CSV, CSV. */
const SEPARATORS = ['\t', '|', ';', ',']

/** A header cell is a column name: short, starting with a letter, no sentence in it. */
const HEADER_CELL = /^[\p{L}_][\p{L}\d _#./()-]{0,39}$/u

/**
 * The CSV or TSV tables in a text, wherever they start ("Export below:\nname,dob\n..."): a
 * line of at least two column names followed by lines with at least as many cells.
 */
function tablesIn(text: string): Table[] {
  const lines = text.split('\n')
  const offsets: number[] = []
  let at = 0
  for (const l of lines) {
    offsets.push(at)
    at += l.length + 1
  }
  const tables: Table[] = []
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i] as string
    const sep = SEPARATORS.find((c) => head.includes(c)) ?? ','
    const header = splitCells(head, sep).map((c) => c.cell)
    const wide = (l: string) => splitCells(l, sep).length >= header.length
    if (header.length < 2 || !header.every((h) => HEADER_CELL.test(h))) continue
    let j = i + 1
    while (j < lines.length && wide(lines[j] as string)) j++
    if (j === i + 1) continue
    tables.push({
      sep,
      header,
      start: offsets[i] as number,
      end: (offsets[i] as number) + head.length,
      rows: lines
        .slice(i + 1, j)
        .map((line, k) => ({ line, offset: offsets[i + 1 + k] as number })),
    })
    i = j - 1
  }
  return tables
}

/** Cells of the columns a table's header names. */
function tableCells(
  rules: readonly LabelledRule[],
  tables: readonly Table[],
  push: (rule: LabelledRule, value: string, start: number) => boolean
): void {
  for (const { sep, header, rows } of tables) {
    const columns = rules.flatMap((rule) =>
      header.flatMap((h, i) => (rule.column?.test(h) ? [{ rule, i }] : []))
    )
    for (const { line, offset } of rows) {
      const cells = splitCells(line, sep)
      for (const { rule, i } of columns) {
        const { cell, at } = cells[i] ?? { cell: '', at: -1 }
        const whole = new RegExp(`^(?:${rule.value.source})$`, rule.value.flags.replace('g', ''))
        if (cell && at >= 0 && whole.test(cell)) push(rule, cell, offset + at)
      }
    }
  }
}
