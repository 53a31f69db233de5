import type { Finding, Segment, TextDetector } from './types'

/** Phrases of known attacks, each with how strongly it alone suggests one. */
const SIGNALS: { kind: string; re: RegExp; weight: number }[] = [
  {
    kind: 'ignore_instructions',
    re: /\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|the|system)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|directives|guidelines|messages?)\b/gi,
    weight: 0.75,
  },
  {
    kind: 'role_override',
    re: /\b(?:you are now|from now on,? you(?: are| will)|pretend (?:to be|you are)|act as (?:an? )?(?:unfiltered|uncensored|evil|jailbroken))\b/gi,
    weight: 0.45,
  },
  {
    kind: 'jailbreak_persona',
    re: /\b(?:DAN|do anything now|developer mode|jailbreak(?:ed)?|AIM|STAN|DUDE)\b/g,
    weight: 0.5,
  },
  {
    kind: 'system_prompt_leak',
    re: /\b(?:reveal|print|show|repeat|output|tell me)\b[^.\n]{0,30}\b(?:system prompt|initial instructions|hidden (?:prompt|instructions)|your (?:instructions|rules|prompt))\b/gi,
    weight: 0.7,
  },
  {
    kind: 'delimiter_injection',
    re: /<\|im_start\|>\s*system|\[\/?INST\]|^\s*#{2,}\s*(?:system|new instructions)\b|<\/?system>/gim,
    weight: 0.6,
  },
  {
    kind: 'no_restrictions',
    re: /\b(?:no|without any|free of)\s+(?:restrictions|filters|limitations|rules|guidelines|ethical (?:guidelines|constraints))\b/gi,
    weight: 0.4,
  },
  {
    kind: 'encoded_instructions',
    re: /\b(?:decode|base64|rot13)\b[^.\n]{0,40}\b(?:and (?:follow|execute|run|obey)|then (?:follow|execute|do))\b/gi,
    weight: 0.55,
  },
  {
    kind: 'tool_hijack',
    re: /\b(?:call|invoke|use) the\b[^.\n]{0,30}\b(?:tool|function)\b[^.\n]{0,40}\b(?:send|post|email|upload)\b/gi,
    weight: 0.35,
  },
]

/** Combines independent signals: 1 - prod(1 - w), so two weak ones make a strong one. */
export function combine(weights: number[]): number {
  return 1 - weights.reduce((p, w) => p * (1 - w), 1)
}

/** The heuristic score of a text and the signals behind it. */
export function injectionSignals(text: string): {
  score: number
  hits: { kind: string; start: number; end: number; weight: number }[]
} {
  const hits: { kind: string; start: number; end: number; weight: number }[] = []
  for (const s of SIGNALS) {
    s.re.lastIndex = 0
    for (const m of text.matchAll(s.re)) {
      if (m.index === undefined) continue
      hits.push({ kind: s.kind, start: m.index, end: m.index + m[0].length, weight: s.weight })
    }
  }
  const strongest = new Map<string, number>()
  for (const h of hits) strongest.set(h.kind, Math.max(strongest.get(h.kind) ?? 0, h.weight))
  return { score: combine([...strongest.values()]), hits }
}

/** Reported at or above this score. */
export const INJECTION_THRESHOLD = 0.5

/**
 * Prompt injection and jailbreak heuristics over requests (and tool results inside them). The
 * transformer classifier scores whole texts; this one points at the phrases.
 */
export const injectionHeuristics: TextDetector = {
  id: 'injection',
  detect(segment: Segment): Finding[] {
    if (segment.field !== 'request') return []
    const { score, hits } = injectionSignals(segment.text)
    if (score < INJECTION_THRESHOLD) return []
    return hits.map((h) => ({
      detector: 'injection' as const,
      kind: h.kind,
      score,
      severity: score >= 0.85 ? ('critical' as const) : ('high' as const),
      field: segment.field,
      path: segment.path,
      start: h.start,
      end: h.end,
    }))
  },
}
