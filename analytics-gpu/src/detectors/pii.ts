import { matchLabelled, matchRules, type LabelledRule, type PatternRule } from './patterns'
import { NATIONAL_ID_LABELLED, NATIONAL_ID_PATTERNS } from './national-ids'
import { diagnosisCodesInContext, PHI_LABELLED, PHI_PATTERNS } from './phi'
import type { Finding, TextDetector } from './types'
import { ibanValid, luhnValid, ssnValid } from './validators'

const digitsOf = (s: string) => s.replace(/[\s-]/g, '')

/**
 * Structured PII and PHI by validated pattern. Names, places and organisations come from the
 * token-classification model; these are the identifiers whose shape and checksum are the
 * evidence.
 */
export const PII_RULES: PatternRule[] = [
  {
    kind: 'email',
    re: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g,
    severity: 'medium',
    score: 0.99,
  },
  ...(
    [
      // International: +CC then groups (9 to 15 digits in all).
      /(?<![\w+])\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){1,4}[\s.-]?\d{2,6}(?![\w-]|[\s.-]\d)/g,
      // National, with a trunk 0: 020 7946 0018, 07700 900123, (030) 901820; not inside a
      // longer code ("1Z 4A7 83E 03 4729 8801" is a parcel), and never 00, the international
      // prefix (an NDC drug code 0002-8215-01 is not a phone).
      /(?<![\w+]|\d[\s.-]|\d\w*\s|NDC[\s:#]*)\(?0[1-9]\d{0,3}\)?[\s.-]?\d{3,8}(?:[\s.-]\d{2,6})?(?![\w-]|[\s.-]\d)/g,
      // National in pairs (France, Belgium, Switzerland): 06 12 48 93 57.
      /(?<![\w+]|\d[\s.-])0\d(?:[\s.]\d{2}){4}(?![\w-]|[\s.-]\d)/g,
      // North American: (415) 555-0132, 212-555-0199, 1-800-555-0148.
      /(?<![\w+]|\d[\s.-])(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w-]|[\s.-]\d)/g,
    ] as const
  ).map((re): PatternRule => ({
    kind: 'phone',
    re,
    severity: 'medium',
    score: 0.9,
    valid: (m) => {
      const n = m.replace(/\D/g, '').length
      return n >= 9 && n <= 15
    },
  })),
  {
    kind: 'card',
    // Not the head of a longer number (a 22-digit parcel number can start Luhn-valid).
    // An IMEI is Luhn-checked too.
    re: /(?<!IMEI[\s:#]*)\b(?:\d[ -]?){12,18}\d\b(?![ -]?\d)/g,
    severity: 'high',
    score: 0.98,
    // Issuer numbers never start with 0 (and all zeros passes Luhn).
    valid: (m) => !digitsOf(m).startsWith('0') && luhnValid(digitsOf(m)),
  },
  {
    kind: 'iban',
    re: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    severity: 'high',
    score: 0.98,
    valid: ibanValid,
  },
  { kind: 'ssn', re: /\b\d{3}-\d{2}-\d{4}\b/g, severity: 'high', score: 0.95, valid: ssnValid },
  ...NATIONAL_ID_PATTERNS,
  ...PHI_PATTERNS,
]

/**
 * A phone number after its label, in the national formats the shapes above do not know
 * (Spain's 612 48 39 07, Sweden's 070-482 19 56, Brazil's (11) 98765-4321, India's 9845012376).
 */
const PHONE_LABELLED: LabelledRule = {
  kind: 'phone',
  label: new RegExp(
    String.raw`(?<![A-Za-z])(?:tel(?:\.|ephone|efono|éfono|efone|efon|efoon)?|phone|mobile?|m[oó]vil|mobil|cell(?:ular)?|cel|handy|kontakt|contacto|contact number|whatsapp|fax|recapito(?: telefonico)?)(?![A-Za-z])`,
    'gi'
  ),
  value:
    /(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(0\)\s?)?(?:\(\d{1,4}\)\s?)?\d{2,5}(?:[\s.-]\d{2,5}){0,4}(?![\w-]|[\s.-]\d)/g,
  window: 30,
  first: true,
  column: /^(?:phone|tel(?:efon|efono|ephone)?|mobile?|m[oó]vil|handy|cell)$/i,
  severity: 'medium',
  score: 0.85,
  valid: (m) => {
    const n = m.replace(/\D/g, '').length
    return n >= 8 && n <= 15
  },
}

const LABELLED = [...PHI_LABELLED, ...NATIONAL_ID_LABELLED, PHONE_LABELLED]
const DIAGNOSIS: Pick<Finding, 'detector' | 'kind' | 'score' | 'severity'> = {
  detector: 'pii',
  kind: 'diagnosis_code',
  score: 0.8,
  severity: 'high',
}

export const piiPatterns: TextDetector = {
  id: 'pii',
  detect(segment) {
    const found = matchRules('pii', PII_RULES, segment)
    // A span both shapes claim (an MBI after "beneficiary id") keeps the more specific kind.
    const taken = new Set(found.map((f) => `${f.start}:${f.end}`))
    for (const f of matchLabelled('pii', LABELLED, segment))
      if (!taken.has(`${f.start}:${f.end}`)) found.push(f)
    const codes = found.filter((f) => f.kind === 'diagnosis_code')
    for (const c of diagnosisCodesInContext(segment.text))
      if (!codes.some((f) => f.start === c.start))
        found.push({ ...DIAGNOSIS, field: segment.field, path: segment.path, ...c })
    // The digits inside an IBAN or a national identifier can look like a card (Luhn) or a
    // phone: they are neither.
    const hosts = found.filter((f) => f.kind === 'iban' || f.kind === 'national_id')
    return found.filter(
      (f) =>
        (f.kind !== 'card' && f.kind !== 'phone') ||
        !hosts.some((i) => i.start <= f.start && f.end <= i.end)
    )
  },
}
