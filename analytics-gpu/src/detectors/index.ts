import { exfiltration } from './exfiltration'
import type { DetectorHealth } from './health'
import { injectionHeuristics } from './injection-heuristics'
import { piiPatterns } from './pii'
import { NO_RULES, modelFinding, ruleFindings, type TenantRules } from './rules'
import type { Finding, Segment, TextDetector } from './types'

export type { DetectorId, Finding, Segment, Severity, TextDetector } from './types'
export type { TenantRules } from './rules'
export { NO_RULES } from './rules'

/** The pattern and heuristic detectors, run on every segment. */
export const TEXT_DETECTORS: readonly TextDetector[] = [
  piiPatterns,
  exfiltration,
  injectionHeuristics,
]

/** Every finding of the text detectors and the tenant's rules over a record's segments. */
export function detectAll(
  segments: readonly Segment[],
  options: {
    rules?: TenantRules
    model?: string | undefined
    detectors?: readonly TextDetector[]
    /** Where each detector's calls and latency are counted. */
    health?: DetectorHealth | undefined
  } = {}
): Finding[] {
  const rules = options.rules ?? NO_RULES
  const detectors = options.detectors ?? TEXT_DETECTORS
  const { health } = options
  const out: Finding[] = []
  const run = (id: string, fn: () => Finding[]) => {
    const started = health ? performance.now() : 0
    const found = fn()
    health?.record(id, performance.now() - started, found.length)
    out.push(...found)
  }
  for (const s of segments) {
    for (const d of detectors) run(d.id, () => d.detect(s))
    run('rules', () => ruleFindings(rules, s))
  }
  const banned = modelFinding(rules, options.model)
  if (banned) out.push(banned)
  return out
}
