import type { LabelledRule, PatternRule } from './patterns'
import {
  aadhaarValid,
  belgianRrnValid,
  bsnValid,
  cpfValid,
  dniValid,
  luhnValid10,
  nifValid,
  nirValid,
  peselValid,
  sinValid,
  ssnValid,
  steuerIdValid,
} from './validators'

/**
 * National identifiers beyond the US SSN. Those whose shape and checksum are specific are read
 * anywhere (a UK National Insurance number, a Spanish DNI or NIE with its control letter, an
 * Italian codice fiscale, a Brazilian CPF, a Belgian national number, a French NIR); those
 * that are plain digit runs with a weak check (Aadhaar, BSN, SIN, personnummer, PESEL, the
 * German and Portuguese tax ids) or none (India's PAN) only after their label or in a column
 * it names.
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
  // Italian codice fiscale: its shape (surname, name, birth date and place) is specific.
  {
    kind: 'national_id',
    re: /(?<![A-Z\d])[A-Z]{6}\d{2}[A-EHLMPR-T][0-7]\d[A-Z]\d{3}[A-Z](?![A-Z\d])/g,
    severity: 'high',
    score: 0.9,
  },
  // Brazilian CPF with its two check digits, Belgian national register number with its key.
  {
    kind: 'national_id',
    re: /(?<![\d.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\d.-])/g,
    severity: 'high',
    score: 0.9,
    valid: cpfValid,
  },
  {
    kind: 'national_id',
    re: /(?<![\d.-])\d{2}\.\d{2}\.\d{2}-\d{3}\.\d{2}(?![\d.-])/g,
    severity: 'high',
    score: 0.9,
    valid: belgianRrnValid,
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
  // Swedish personnummer (Luhn over its last ten digits), Polish PESEL, Indian PAN, German
  // tax id, Portuguese NIF.
  labelled('personnummer|personnr|pnr', /(?<![\d-])(?:\d{2})?\d{6}[-+]\d{4}(?![\d-])/g, (m) =>
    luhnValid10(m.replace(/\D/g, '').slice(-10))
  ),
  labelled('PESEL', /(?<!\d)\d{11}(?!\d)/g, peselValid),
  labelled('PAN', /(?<![A-Z\d])[A-Z]{5}\d{4}[A-Z](?![A-Z\d])/g, () => true),
  labelled(
    String.raw`steuer-?id|steuer-?identifikationsnummer|IdNr`,
    /(?<!\d)\d{2} ?\d{3} ?\d{3} ?\d{3}(?!\d)/g,
    steuerIdValid
  ),
  labelled('NIF|contribuinte', /(?<!\d)\d{9}(?!\d)/g, nifValid),
  // An SSN written with spaces or none at all is only one after its label.
  labelled(
    String.raw`SSN|social security(?: number| no\.?| #)?`,
    /(?<![\d-])\d{3}[ -]?\d{2}[ -]?\d{4}(?![\d-])/g,
    (m) => ssnValid(m.replace(/[ -]/g, '').replace(/^(\d{3})(\d{2})/, '$1-$2-')),
    'ssn'
  ),
]
