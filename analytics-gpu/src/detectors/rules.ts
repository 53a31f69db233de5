import type { Finding, Segment } from './types'

/** A tenant's own rules, raised at once: banned terms and topics, models it does not allow. */
export interface TenantRules {
  bannedTerms: string[]
  /** Topics as keyword lists: any keyword of a topic raises it. */
  bannedTopics: Record<string, string[]>
  /** Model names or `prefix*` patterns that must not be used. */
  bannedModels: string[]
}

export const NO_RULES: TenantRules = { bannedTerms: [], bannedTopics: {}, bannedModels: [] }

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

function termFindings(segment: Segment, terms: string[], kind: string, tag?: string): Finding[] {
  if (!terms.length) return []
  const re = new RegExp(`\\b(?:${terms.map(escape).join('|')})\\b`, 'gi')
  return [...segment.text.matchAll(re)].flatMap((m) =>
    m.index === undefined
      ? []
      : [
          {
            detector: 'rules' as const,
            kind: tag ? `${kind}:${tag}` : kind,
            score: 1,
            severity: 'high' as const,
            field: segment.field,
            path: segment.path,
            start: m.index,
            end: m.index + m[0].length,
          },
        ]
  )
}

/** Rule violations in one segment. */
export function ruleFindings(rules: TenantRules, segment: Segment): Finding[] {
  return [
    ...termFindings(segment, rules.bannedTerms, 'banned_term'),
    ...Object.entries(rules.bannedTopics).flatMap(([topic, words]) =>
      termFindings(segment, words, 'banned_topic', topic)
    ),
  ]
}

/** A banned model, as a finding on the record itself (no span). */
export function modelFinding(rules: TenantRules, model: string | undefined): Finding | null {
  if (!model) return null
  const hit = rules.bannedModels.some((p) =>
    p.endsWith('*') ? model.startsWith(p.slice(0, -1)) : p === model
  )
  return hit
    ? {
        detector: 'rules',
        kind: 'banned_model',
        score: 1,
        severity: 'high',
        field: 'request',
        path: 'model',
        start: 0,
        end: model.length,
      }
    : null
}
