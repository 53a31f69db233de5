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
  for (const rule of rules) {
    for (const label of s.text.matchAll(rule.label)) {
      const from = label.index + label[0].length
      const window = s.text.slice(from, from + rule.window)
      for (const v of window.matchAll(rule.value))
        if (push(rule, v[0], from + v.index) && rule.first) break
    }
  }
  tableCells(rules, s, push)
  return dedupe(out)
}

/** Cells of the columns a table's header names (CSV or TSV, header on the first line). */
function tableCells(
  rules: readonly LabelledRule[],
  s: Segment,
  push: (rule: LabelledRule, value: string, start: number) => boolean
): void {
  const lines = s.text.split('\n')
  if (lines.length < 2) return
  const sep = (lines[0] as string).includes('\t') ? '\t' : ','
  const header = (lines[0] as string).split(sep).map((h) => h.trim().replace(/^"|"$/g, ''))
  if (header.length < 2) return
  const columns = rules.flatMap((rule) =>
    header.flatMap((h, i) => (rule.column?.test(h) ? [{ rule, i }] : []))
  )
  if (!columns.length) return
  let offset = (lines[0] as string).length + 1
  for (const line of lines.slice(1)) {
    const cells = line.split(sep)
    for (const { rule, i } of columns) {
      const before = cells.slice(0, i).reduce((n, c) => n + c.length + 1, 0)
      const cell = (cells[i] ?? '').trim().replace(/^"|"$/g, '')
      const at = line.indexOf(cell, before)
      const whole = new RegExp(`^(?:${rule.value.source})$`, rule.value.flags.replace('g', ''))
      if (cell && at >= 0 && whole.test(cell)) push(rule, cell, offset + at)
    }
    offset += line.length + 1
  }
}
