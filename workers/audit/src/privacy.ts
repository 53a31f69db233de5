import type { PrivacyMode, RecordedBody } from '@trueport/contracts'
import { sha256Hex, utf8 } from './bytes'

/**
 * PII and secret patterns masked under the `redacted` privacy mode. Deliberately eager: a
 * redacted trail that keeps a secret is worse than one that masks a harmless number. (The
 * analytics service's detectors are the precise, model-backed layer; this one only decides
 * what is stored.)
 */
const PATTERNS: [label: string, re: RegExp, check?: (m: string) => boolean][] = [
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g],
  [
    'secret',
    /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|tp_(?:dev|staging|prod)_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b/g,
  ],
  ['email', /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g],
  ['iban', /\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b/g],
  ['card', /\b(?:\d[ -]?){12,18}\d\b/g, (m) => luhn(m.replace(/\D/g, ''))],
  ['ssn', /\b\d{3}-\d{2}-\d{4}\b/g],
  ['phone', /(?<![\w])\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}\b/g],
]

/** The Luhn checksum that every payment card number satisfies. */
export function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** Masks every pattern in `text` as `[REDACTED:<kind>]`. */
export function redact(text: string): string {
  let out = text
  for (const [label, re, check] of PATTERNS) {
    out = out.replace(re, (m) => (check && !check(m) ? m : `[REDACTED:${label}]`))
  }
  return out
}

/** Content longer than this is recorded cut (its digest and size stay those of the whole). */
export const MAX_RECORDED_CHARS = 1024 * 1024

/** One body as the tenant's privacy mode lets it be recorded. */
export async function recordBody(text: string, mode: PrivacyMode): Promise<RecordedBody> {
  const bytes = utf8(text)
  const body: RecordedBody = { sha256: await sha256Hex(bytes), bytes: bytes.byteLength }
  if (mode === 'metadata') return body
  const cut = text.length > MAX_RECORDED_CHARS
  const kept = cut ? text.slice(0, MAX_RECORDED_CHARS) : text
  return {
    ...body,
    text: mode === 'redacted' ? redact(kept) : kept,
    ...(cut && { truncated: true }),
  }
}

/** Derived text (a stream's assembled answer) under the same mode: none under `metadata`. */
export function recordText(text: string | undefined, mode: PrivacyMode): string | undefined {
  if (text === undefined || mode === 'metadata') return undefined
  return mode === 'redacted' ? redact(text) : text
}
