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
      out.push({
        detector,
        kind: rule.kind,
        score: rule.score,
        severity: rule.severity,
        field: s.field,
        path: s.path,
        start,
        end: start + text.length,
      })
    }
  }
  return dedupe(out)
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
