import type { LabelledRule, PatternRule } from './patterns'
import { aadhaarValid, bsnValid, dniValid, nirValid, sinValid, ssnValid } from './validators'

/**
 * National identifiers beyond the US SSN. Those whose shape and checksum are specific are read
 * anywhere (a UK National Insurance number, a Spanish DNI or NIE with its control letter, a
 * French NIR with its key); those that are plain digit runs with a weak check (Aadhaar's 12
 * digits, a Dutch BSN's 9, a Canadian SIN's 9) only after their label.
 */
export const NATIONAL_ID_PATTERNS: PatternRule[] = [
  {
    kind: 'national_id',
    re: /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g,
    severity: 'high',
    score: 0.9,
  },
  {
    kind: 'national_id',
    re: /(?<![\w-])(?:\d{8}|[XYZ]\d{7})-?[A-Z](?![\w-])/g,
    severity: 'high',
    score: 0.9,
    valid: dniValid,
  },
  {
    kind: 'national_id',
    re: /(?<![\w-])[12] ?\d{2} ?\d{2} ?(?:\d{2}|2A|2B) ?\d{3} ?\d{3} ?\d{2}(?![\w-])/g,
    severity: 'high',
    score: 0.9,
    valid: nirValid,
  },
]

const label = (words: string) => new RegExp(`(?<![A-Za-z])(?:${words})(?![A-Za-z])`, 'gi')
const labelled = (
  words: string,
  value: RegExp,
  valid: (m: string) => boolean,
  kind = 'national_id'
): LabelledRule => ({
  kind,
  label: label(words),
  value,
  window: 40,
  first: true,
  column: new RegExp(`^(?:${words})$`, 'i'),
  severity: 'high',
  score: 0.9,
  valid,
})

export const NATIONAL_ID_LABELLED: LabelledRule[] = [
  labelled('aadhaar|aadhar|UIDAI', /(?<![\d-])\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d-])/g, aadhaarValid),
  labelled('BSN|burgerservicenummer|sofinummer', /(?<![\d.-])\d{9}(?![\d.-])/g, bsnValid),
  labelled(
    String.raw`SIN|NAS|social insurance(?: number| no\.?)?`,
    /(?<![\d-])\d{3}[ -]?\d{3}[ -]?\d{3}(?![\d-])/g,
    sinValid
  ),
  // An SSN written with spaces or none at all is only one after its label.
  labelled(
    String.raw`SSN|social security(?: number| no\.?| #)?`,
    /(?<![\d-])\d{3}[ -]?\d{2}[ -]?\d{4}(?![\d-])/g,
    (m) => ssnValid(m.replace(/[ -]/g, '').replace(/^(\d{3})(\d{2})/, '$1-$2-')),
    'ssn'
  ),
]
