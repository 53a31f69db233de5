import type { Finding, Segment, TextDetector } from './types'

/** Phrases of known attacks, each with how strongly it alone suggests one. */
const SIGNALS: { kind: string; re: RegExp; weight: number }[] = [
  {
    kind: 'ignore_instructions',
    re: /\b(?:ignore|disregard|forget|override|bypass)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|your|the|system)\b[^.\n]{0,30}\b(?:instructions?|prompts?|rules|directives|guidelines|messages?)\b/gi,
    weight: 0.75,
  },
  {
    kind: 'ignore_instructions',
    re: /\b(?:forget|ignore|disregard)\b[^.\n]{0,20}\b(?:what|everything|anything)\b[^.\n]{0,20}\b(?:the (?:operator|developers?|admins?|system)|you(?:'ve| have)? (?:were|been) told|they told you)\b|\bpretend\b[^.\n]{0,30}\b(?:conversation|instructions|everything)\b[^.\n]{0,20}\bnever (?:happened|existed)\b/gi,
    weight: 0.75,
  },
  // The same attack in the languages gateways see most (the classifier reads English).
  {
    kind: 'ignore_instructions',
    re: /\bignor(?:a|ar|e|ez|er)\b[^.\n]{0,25}\binstruc(?:ciones|ções|tions|zioni)\b|\bignorier(?:e|en|t)?\b[^.\n]{0,30}\b(?:Anweisungen|Instruktionen|Regeln)\b|игнорируй(?:те)?[^.\n]{0,30}(?:инструкции|указания|правила)|忽略[^。\n]{0,12}(?:指令|指示|说明|提示)|(?:指示|命令)を(?:すべて)?無視/giu,
    weight: 0.75,
  },
  {
    kind: 'ignore_instructions',
    re: /\b(?:olvida|oublie[zr]?|vergiss|vergessen sie|esque[cç]a|dimentica)\b[^.\n]{0,30}\b(?:instrucciones|consignes|instructions|Anweisungen|instruções|istruzioni|reglas|règles|Regeln|regole)\b|забудь(?:те)?[^.\n]{0,30}(?:инструкции|указания|правила)/giu,
    weight: 0.75,
  },
  // Text inside pasted content or a tool result that speaks to the model: the mark of an
  // indirect injection ("NOTE TO AI AGENTS:", "assistant: disregard ...", "Hey AI note-taker").
  {
    kind: 'addressed_to_model',
    re: /\b(?:note|message|instructions?|reminder|directive)s? (?:to|for) (?:the |any |all )?(?:AI|assistant|agent|model|LLM|summari[sz]er|bot|chatbot|note-taker|reviewer|copilot)s?\b|\b(?:AI|LLM) (?:models?|agents?|assistants?|systems?|summari[sz]ers?|code reviewers?|readers?)\s*(?:reading|processing|summari[sz]ing|reviewing)?[^.\n]{0,20}?:|\b(?:hey|dear|attention|hi),? (?:AI|assistant|agent|bot|chatbot|LLM|model|summari[sz]er|note-taker)\b|\bSYSTEM (?:NOTE|MESSAGE|OVERRIDE|INSTRUCTION)\b|["'\s([]assistant:\s*(?:ignore|disregard|forget|instead|do not|don't|you must|please)/gi,
    weight: 0.55,
  },
  {
    kind: 'role_override',
    re: /\b(?:you are now|from now on,? you(?: are| will)|pretend (?:to be|you are)|act as (?:an? )?(?:unfiltered|uncensored|evil|jailbroken))\b/gi,
    weight: 0.45,
  },
  {
    kind: 'jailbreak_persona',
    re: /\b(?:DAN|do anything now|developer mode|jailbroken|AIM|STAN|DUDE)\b/g,
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

interface Hit {
  kind: string
  start: number
  end: number
  weight: number
}

function scan(text: string, offset = 0, cover?: { start: number; end: number }): Hit[] {
  const hits: Hit[] = []
  for (const s of SIGNALS) {
    s.re.lastIndex = 0
    for (const m of text.matchAll(s.re)) {
      const start = cover ? cover.start : offset + m.index
      hits.push({
        kind: s.kind,
        start,
        end: cover ? cover.end : start + m[0].length,
        weight: s.weight,
      })
    }
  }
  return hits
}

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
}

/**
 * The readings of a text an attacker hides instructions in, each with the stretch of the
 * original it came from: letters spaced apart ("i g n o r e"), leetspeak ("1gn0re"), base64.
 */
function hiddenReadings(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = []
  for (const m of text.matchAll(/(?:\p{L}[ ]{1,3}){5,}\p{L}/gu))
    out.push({
      text: m[0].replace(/(\p{L}) (?! )/gu, '$1').replace(/ +/g, ' '),
      start: m.index,
      end: m.index + m[0].length,
    })
  if (/\p{L}[0-9@$]\p{L}|[0-9@$]\p{L}{2}/u.test(text)) {
    const leet = text.replace(/[0-9@$]/g, (c) => LEET[c] ?? c)
    if (leet !== text) out.push({ text: leet, start: 0, end: text.length })
  }
  for (const m of text.matchAll(/[A-Za-z0-9+/]{16,}={0,2}/g)) {
    const decoded = Buffer.from(m[0], 'base64').toString('utf8')
    // Only text: a decoded key or image is not an instruction.
    if (/^[\p{L}\p{N}\p{P}\s]{8,}$/u.test(decoded))
      out.push({ text: decoded, start: m.index, end: m.index + m[0].length })
  }
  return out
}

/** Asking about attacks (a question, research, defence) rather than making one. */
const QUESTION =
  /^\s*(?:what(?:'s| is| are| does)|how (?:do|does|can|should)|why|is|are|can you (?:explain|describe))\b[^]*\?\s*$/i
const STUDY =
  /\b(?:research(?:ing)?|paper|blog post|defen[cd](?:e|ing)|mitigat\w*|protect against)\b/i
const discussion = (text: string) => QUESTION.test(text) || STUDY.test(text)

/** The heuristic score of a text and the signals behind it. */
export function injectionSignals(text: string): { score: number; hits: Hit[] } {
  const hits = scan(text)
  for (const r of hiddenReadings(text)) {
    const hidden = scan(r.text, 0, r)
    // Hiding an instruction is itself a sign of intent.
    if (hidden.length)
      hits.push(...hidden, {
        kind: 'obfuscated_instructions',
        start: r.start,
        end: r.end,
        weight: 0.3,
      })
  }
  const strongest = new Map<string, number>()
  for (const h of hits) strongest.set(h.kind, Math.max(strongest.get(h.kind) ?? 0, h.weight))
  const score = combine([...strongest.values()])
  return {
    score: discussion(text) && !strongest.has('obfuscated_instructions') ? score * 0.6 : score,
    hits,
  }
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
