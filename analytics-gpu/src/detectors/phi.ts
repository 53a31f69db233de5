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
/** Month names of the forms read here: French, Spanish, German, Dutch, Portuguese, Italian,
 * Swedish (the English ones are MONTH's prefixes). */
const MONTH_NAMES = [
  'janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre',
  'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre',
  'januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember',
  'januari|februari|maart|mei|augustus|augusti|maj',
  'janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|novembro|dezembro',
  'gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre',
].join('|')
/**
 * A date: numeric with one separator throughout (14/03/1991, 23.06.1978, 06 14 1947), year
 * first (1990-05-17, 1990/05/21), or with the month's name, an optional ordinal and the
 * connectives of other languages (4th March 1951, March 4th, 1951, 1. März 2016, 15 de marzo
 * de 1968). Case-insensitive.
 */
const DATE = String.raw`(?<!\d)(?:\d{1,2}(?<sep>[/. -])\d{1,2}\k<sep>\d{2,4}|\d{4}(?<ysep>[/.-])\d{1,2}\k<ysep>\d{1,2}|\d{1,2}(?:st|nd|rd|th|er|\.|º)? (?:of |de )?(?:(?:${MONTH})[a-z]*\.?|${MONTH_NAMES}),? (?:de )?\d{4}|(?:(?:${MONTH})[a-z]*\.?|${MONTH_NAMES}) \d{1,2}(?:st|nd|rd|th)?,? \d{4})(?!\d)`
/** Year, month, day without separators (19670923): a date only after a birth-date label. */
const COMPACT_DATE = String.raw`(?<!\d)(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)`

const DOB_WORDS = String.raw`DOB|D\.O\.B\.?|date[ _]of[ _]birth|birth[ _]?date|born(?: on)?|birthday|date de naissance|n[ée]e? le|fecha de nacimiento|fecha[ _]nac\.?|f\. ?nac\.?|nacid[oa] el|geburtsdatum|geb\.|geboren(?: am)?|data di nascita|nat[oa] il|data de nascimento|nascimento|nascid[oa] em|geboortedatum|födelsedatum|född|data urodzenia`

export const PHI_LABELLED: LabelledRule[] = [
  {
    kind: 'medical_record_number',
    label: label(
      // English, then the record numbers of French (IPP), Spanish (NHC), German, Dutch,
      // Italian, Portuguese, Brazilian and Swedish hospitals.
      String.raw`MRN#?|MR#|medical record(?: number| no\.?| #)?|patient[ _]id|chart (?:number|no\.?)|hosp(?:ital|\.)? ?(?:number|no\.?|#)|unit number|N° IPP|IPP|NHC|historia cl[ií]nica|patienten-?(?:nr\.?|nummer)|pati[eë]ntnummer|cartella clinica(?: n\.?)?|n\.?º? (?:de )?processo|prontu[aá]rio|journalnr\.?|journalnummer|num[ée]ro de dossier`
    ),
    // Digits, grouped or not, after up to three letters: 55190284, MR-2019-0048213, 10-448-2917,
    // 2024/018834.
    value: /(?<![\w-])(?:[A-Z]{1,3}-?)?(?=(?:[-/]?\d){6,12}(?![\w-]))\d+(?:[-/]\d+)*(?![\w-])/g,
    window: 40,
    first: true,
    column: /^(?:mrn|medical_record_number|patient_id)$/i,
    severity: 'high',
    score: 0.95,
  },
  {
    kind: 'date_of_birth',
    // English, and the labels of forms in French, Spanish, German, Italian, Portuguese, Dutch,
    // Swedish and Polish.
    label: label(DOB_WORDS),
    value: new RegExp(`${DATE}|${COMPACT_DATE}`, 'gi'),
    window: 30,
    first: true,
    column: new RegExp(`^(?:${DOB_WORDS}|date_of_birth|dob_?\\w*|birth_?date)$`, 'i'),
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
      // And the insurance numbers of German, French, Dutch and Spanish forms.
      String.raw`(?:member|subscriber|policy|insurance|insured|health plan|plan|beneficiary|cardholder|medicaid)[\s_-]?(?:id|number|no\.?|#)|versicherten-?(?:nummer|nr\.?)|versicherungs-?(?:nummer|nr\.?)|n° d'adh[ée]rent(?: est le)?|num[ée]ro d'adh[ée]rent|polisnummer|n[ºo°]? de afiliaci[oó]n`
    ),
    value: /(?<![\w-])(?=[A-Z-]*\d)[A-Z0-9][A-Z0-9-]{5,19}(?![\w-])/g,
    window: 30,
    first: true,
    column: /(?:^|_)(?:member_?id|subscriber_?id|policy_?(?:id|number)|health_plan_id)$/i,
    severity: 'high',
    score: 0.9,
  },
  {
    kind: 'diagnosis_code',
    label: label(
      // The A of a SOAP note ("A: GERD (K21.9)") only where it opens a line.
      String.raw`dx|diagnos(?:is|es|ed|e)(?:[ _]codes?)?|diagn[oó]stic(?:o|os|a|as|s|ue|ues)?|ICD-?10(?:-CM)?(?: codes?)?|icd10|assessment|impression|problem list|(?:^|(?<=\n))[ \t]*A(?=:)`
    ),
    value: /(?<![\w.-])[A-TV-Z]\d[0-9AB](?:\.[0-9A-TV-Z]{1,4})?(?![\w-])/g,
    window: 160,
    column: /^(?:icd-?10(?:_code)?|dx|diagnosis(?:_code)?)$/i,
    severity: 'high',
    score: 0.9,
  },
]

/**
 * Shapes specific enough without a label before them: a Medicare Beneficiary Identifier (no S,
 * L, O, I, B, Z), a date marked as a birth date after it ("03/14/1952 (DOB)"), a payer's member
 * id right after the word ("member CIG4410027735").
 */
export const PHI_PATTERNS: PatternRule[] = [
  {
    kind: 'date_of_birth',
    re: new RegExp(String.raw`(${DATE})\s*\((?:DOB|D\.O\.B\.?|born|birth ?date)\)`, 'gi'),
    group: 1,
    severity: 'medium',
    score: 0.85,
  },
  {
    kind: 'health_plan_id',
    re: /(?<![A-Za-z])(?:[Mm]ember|[Ss]ubscriber) ([A-Z]{0,4}\d{6,14})(?![\w-])/g,
    group: 1,
    severity: 'high',
    score: 0.85,
  },
  {
    kind: 'medicare_id',
    re: /\b[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y\d]\d-?[AC-HJKMNP-RT-Y]{2}\d{2}\b/g,
    severity: 'high',
    score: 0.9,
  },
]

const CODE = String.raw`(?<![\w.-])[A-TV-Z]\d[0-9AB]`
const CODE_WITH_DECIMAL = new RegExp(String.raw`${CODE}\.[0-9A-TV-Z]{1,4}(?![\w-])`, 'g')
const CODE_BARE = new RegExp(String.raw`${CODE}(?![\w.-])`, 'g')
/** Words that make a text clinical: a note, a claim, a prescription, a chart. */
const CLINICAL =
  /(?<![A-Za-z])(?:patient|pt|hx|dx|diagnos\w*|icd|clinic\w*|claims?|billing|encounter|visit|prescri\w*|symptoms?|chronic|acute|admi(?:t|tted|ssion)|discharg\w*|triage|consult\w*|physician|doctor|nurse|hospital|medical|treat(?:ment|ed)?|therapy|mrn|dob|r\/o|c\/o|w\/o?|prenatal|oncology|comorbid\w*|history of|presents? with|evaluation|referr(?:al|ed)|follow-up|ecg|ekg|labs?|vitals|\d+ ?mg)(?![A-Za-z])/i

/**
 * ICD-10 codes written without a label, in a text that is clinical: a code with its decimal
 * part anywhere ("Hx J44.1 COPD", "plaque psoriasis L40.0"), and a three-character code beside
 * one of those ("I10 HTN, E11.9 T2DM"). Outside clinical text "K21.9" is a section number.
 */
export function diagnosisCodesInContext(text: string): { start: number; end: number }[] {
  if (!CLINICAL.test(text)) return []
  const full = [...text.matchAll(CODE_WITH_DECIMAL)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
  }))
  if (!full.length) return []
  const near = (at: number) => full.some((f) => Math.abs(f.start - at) <= 40)
  const bare = [...text.matchAll(CODE_BARE)]
    .filter((m) => near(m.index))
    .map((m) => ({ start: m.index, end: m.index + m[0].length }))
  return [...full, ...bare]
}
