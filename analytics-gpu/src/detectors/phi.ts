import type { LabelledRule, PatternRule } from './patterns'
import { deaValid, npiValid } from './validators'

/**
 * Protected health information written as identifiers. Most are only evidence next to their
 * label (a bare 10-digit number is rarely an NPI; "E11" alone is a room number, after "dx:" it
 * is type 2 diabetes), so they are read after a label or in a column the table header names;
 * checksums where the scheme has one. Labels may be glued to a field name (`existing_mrn=`).
 */
const label = (words: string) => new RegExp(`(?<![A-Za-z])(?:${words})(?![A-Za-z])`, 'gi')
const MONTH = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec'

export const PHI_LABELLED: LabelledRule[] = [
  {
    kind: 'medical_record_number',
    label: label(
      String.raw`MRN|MR#|medical record(?: number| no\.?| #)?|patient[ _]id|chart (?:number|no\.?)`
    ),
    value: /(?<![\w-])[A-Z]{0,3}-?\d{6,10}(?![\w-])/g,
    window: 40,
    first: true,
    column: /^(?:mrn|medical_record_number|patient_id)$/i,
    severity: 'high',
    score: 0.95,
  },
  {
    kind: 'date_of_birth',
    label: label(String.raw`DOB|D\.O\.B\.?|date of birth|birth ?date|born(?: on)?|birthday`),
    value: new RegExp(
      String.raw`(?<!\d)(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2} (?:${MONTH})[a-z]*\.? \d{4}|(?:${MONTH})[a-z]*\.? \d{1,2},? \d{4})(?!\d)`,
      'g'
    ),
    window: 30,
    first: true,
    column: /^(?:dob|date_of_birth|birth_?date)$/i,
    severity: 'medium',
    score: 0.85,
  },
  {
    kind: 'npi',
    label: label('NPI'),
    value: /(?<!\d)[12]\d{9}(?!\d)/g,
    window: 120,
    column: /npi/i,
    severity: 'medium',
    score: 0.95,
    valid: npiValid,
  },
  {
    kind: 'dea_number',
    label: label('DEA'),
    value: /(?<![\w-])[A-Za-z][A-Za-z9]\d{7}(?![\w-])/g,
    window: 120,
    column: /dea/i,
    severity: 'high',
    score: 0.95,
    valid: deaValid,
  },
  {
    kind: 'health_plan_id',
    label: label(
      String.raw`(?:member|subscriber|policy|insurance|insured|health plan|plan|beneficiary)[\s_-]?(?:id|number|no\.?|#)`
    ),
    value: /(?<![\w-])(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{5,19}(?![\w-])/g,
    window: 30,
    first: true,
    column: /^(?:member_?id|subscriber_?id|policy_?(?:id|number)|health_plan_id)$/i,
    severity: 'high',
    score: 0.9,
  },
  {
    kind: 'diagnosis_code',
    label: label(
      String.raw`dx|diagnos[ie]s(?:[ _]codes?)?|diagnosed|ICD-?10(?:-CM)?(?: codes?)?|icd10|assessment|impression|problem list`
    ),
    value: /(?<![\w.-])[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?(?![\w-])/g,
    window: 160,
    column: /^(?:icd-?10(?:_code)?|dx|diagnosis(?:_code)?)$/i,
    severity: 'high',
    score: 0.9,
  },
]

/** Medicare Beneficiary Identifier: its shape (no S, L, O, I, B, Z) is specific enough alone. */
export const PHI_PATTERNS: PatternRule[] = [
  {
    kind: 'medicare_id',
    re: /\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b/g,
    severity: 'high',
    score: 0.9,
  },
]
