/**
 * `npm run eval`: precision, recall and F1 of each detector on the labelled evaluation set in
 * eval/data (kept apart from train/data: the run refuses to start if a text is in both).
 * Span-level for PII, entities and secrets (a finding counts when it overlaps a labelled span of
 * the same kind), text-level for injection and toxicity. Every model detector runs as the
 * service runs it: all texts at once through the shared, batching encoder.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { detectAll, type Finding, type Segment } from '../src/detectors'
import { loadModelDetectors } from '../src/detectors/models'
import { parseMarkup } from '../src/models/markup'

const DATA = join(import.meta.dirname, 'data')
const TRAIN = join(import.meta.dirname, '../train/data')
const lines = (dir: string, file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
const read = <T>(file: string): T[] => lines(DATA, file).map((l) => JSON.parse(l) as T)
/** A data line's text as compared across the sets (entity files hold markup). */
const plain = (file: string, line: string) => {
  const { text } = JSON.parse(line) as { text: string }
  return (file.startsWith('entities') ? parseMarkup(text).text : text).trim().toLowerCase()
}

// Training and evaluation data stay apart: no evaluation text may be a training text.
const trained = new Set(readdirSync(TRAIN).flatMap((f) => lines(TRAIN, f).map((l) => plain(f, l))))
for (const f of readdirSync(DATA)) {
  const leaked = lines(DATA, f).filter((l) => trained.has(plain(f, l)))
  if (leaked.length) throw new Error(`eval/data/${f}: also training texts:\n${leaked.join('\n')}`)
}

interface Row {
  detector: string
  items: number
  tp: number
  fp: number
  fn: number
  target: string
  pass?: (m: { p: number; r: number; f1: number }) => boolean
}
type Counts = Pick<Row, 'tp' | 'fp' | 'fn'>

const metrics = (r: Counts) => {
  const p = r.tp + r.fp ? r.tp / (r.tp + r.fp) : 1
  const rec = r.tp + r.fn ? r.tp / (r.tp + r.fn) : 1
  return { p, r: rec, f1: p + rec ? (2 * p * rec) / (p + rec) : 0 }
}
const add = (a: Counts, b: Counts) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn })
const ZERO: Counts = { tp: 0, fp: 0, fn: 0 }

const segment = (text: string): Segment[] => [{ field: 'request', path: 'text', text }]

interface Gold {
  kind?: string
  start: number
  end: number
}
/** Span scoring: gold spans matched (recall) and findings that hit one (precision). */
function spanScore(gold: Gold[], found: Finding[], sameKind: boolean): Counts {
  const hit = (f: Finding, g: Gold) =>
    f.start < g.end && g.start < f.end && (!sameKind || g.kind === f.kind)
  const tp = gold.filter((g) => found.some((f) => hit(f, g))).length
  const fp = found.filter((f) => !gold.some((g) => hit(f, g))).length
  return { tp, fp, fn: gold.length - tp }
}
function textScore(flagged: boolean, positive: boolean): Counts {
  return {
    tp: flagged && positive ? 1 : 0,
    fp: flagged && !positive ? 1 : 0,
    fn: !flagged && positive ? 1 : 0,
  }
}
const locate = (file: string, text: string, match: string): Gold => {
  const start = text.indexOf(match)
  if (start < 0) throw new Error(`${file}: "${match}" is not in "${text}"`)
  return { start, end: start + match.length }
}

const models = await loadModelDetectors(join(import.meta.dirname, '../models'), 'cpu')
if (!models) throw new Error('model weights missing: run scripts/fetch-models.sh and npm run train')
const modelled = (texts: string[]) => Promise.all(texts.map((t) => models.detect(segment(t))))

const rows: Row[] = []

// Structured PII and PHI: the validated patterns. Each later set was written after the patterns
// last changed and run blind once, then looked at: the second's blind run gave recall 0.939
// (birth dates on forms in other languages, the A of SOAP notes), the third's 0.851 (national
// identifiers of other countries, unlabelled ICD-10 codes in clinical notes, tables after an
// introductory line), the fourth's 0.802 (forms in eight languages, European CSV and Markdown
// tables, phones in national formats, more national identifiers).
for (const [file, name] of [
  ['pii.jsonl', 'PII and PHI, structured (patterns)'],
  ['pii-2.jsonl', 'PII and PHI, structured (patterns), second set (development)'],
  ['pii-3.jsonl', 'PII and PHI, structured (patterns), third set (development)'],
  ['pii-4.jsonl', 'PII and PHI, structured (patterns), fourth set (development)'],
] as const) {
  const data = read<{ text: string; spans: [string, string][] }>(file)
  let acc = ZERO
  for (const d of data) {
    const gold = d.spans.map(([kind, match]) => ({ kind, ...locate(file, d.text, match) }))
    acc = add(
      acc,
      spanScore(
        gold,
        detectAll(segment(d.text)).filter((f) => f.detector === 'pii'),
        true
      )
    )
  }
  rows.push({
    detector: name,
    items: data.length,
    ...acc,
    target: 'recall >= 0.98 at precision >= 0.95',
    pass: (m) => m.r >= 0.98 && m.p >= 0.95,
  })
}

// Names, places and organisations: the token-classification head.
{
  const data = read<{ text: string }>('entities.jsonl').map((d) => parseMarkup(d.text))
  const KIND: Record<string, string> = { PER: 'person', LOC: 'location', ORG: 'organization' }
  const found = await modelled(data.map((d) => d.text))
  const by: Record<string, Counts> = { person: ZERO, location: ZERO, organization: ZERO }
  data.forEach((d, i) => {
    for (const kind of Object.keys(by)) {
      const gold = d.spans.filter((s) => KIND[s.label] === kind).map((s) => ({ ...s, kind }))
      const mine = (found[i] ?? []).filter((f) => f.detector === 'pii' && f.kind === kind)
      by[kind] = add(by[kind] as Counts, spanScore(gold, mine, true))
    }
  })
  const spans = (k: string) =>
    data.flatMap((d) => d.spans).filter((s) => KIND[s.label] === k).length
  rows.push({
    detector: 'person and location names (token head)',
    items: data.length,
    ...add(by.person as Counts, by.location as Counts),
    target: 'recall >= 0.85',
    pass: (m) => m.r >= 0.85,
  })
  for (const k of ['person', 'location', 'organization'] as const)
    rows.push({
      detector: `- ${k} (${spans(k)} spans)`,
      items: data.length,
      ...(by[k] as Counts),
      target: '',
    })
}

// Secrets.
{
  const data = read<{ text: string; secrets: string[] }>('secrets.jsonl')
  let acc = ZERO
  for (const d of data) {
    const gold = d.secrets.map((m) => locate('secrets.jsonl', d.text, m))
    acc = add(
      acc,
      spanScore(
        gold,
        detectAll(segment(d.text)).filter((f) => f.detector === 'exfiltration'),
        false
      )
    )
  }
  rows.push({
    detector: 'secrets (patterns + entropy)',
    items: data.length,
    ...acc,
    target: '(none set)',
  })
}

// Prompt injection: the heuristics alone, then with the classifier. The first two sets have
// been looked at while improving the heuristics (the second after its first, blind run gave
// F1 0.727). The third was written after those changes and has not been looked at, but its
// scores were seen while choosing the attention head (0.706 with the linear head before it);
// the fourth was written after the attention head, by someone who saw neither the detectors
// nor the data, and not looked at.
for (const [file, suffix] of [
  ['injection.jsonl', ''],
  ['injection-2.jsonl', ', second set (development)'],
  ['injection-3.jsonl', ', third set (not looked at)'],
  ['injection-4.jsonl', ', fourth blind set'],
] as const) {
  const data = read<{ text: string; label: 0 | 1 }>(file)
  const found = await modelled(data.map((d) => d.text))
  let alone = ZERO
  let both = ZERO
  data.forEach((d, i) => {
    const patterns = detectAll(segment(d.text))
    const flagged = (fs: Finding[]) => fs.some((f) => f.detector === 'injection')
    alone = add(alone, textScore(flagged(patterns), d.label === 1))
    both = add(both, textScore(flagged([...patterns, ...(found[i] ?? [])]), d.label === 1))
  })
  rows.push({
    detector: `injection, heuristics alone${suffix}`,
    items: data.length,
    ...alone,
    target: '(reference)',
  })
  rows.push({
    detector: `injection, MiniLM classifier + heuristics${suffix}`,
    items: data.length,
    ...both,
    target: 'F1 >= 0.90',
    pass: (m) => m.f1 >= 0.9,
  })
}

// Toxicity and bias: the classifier; toxic or biased text is a positive.
{
  const data = read<{ text: string; label: 'toxic' | 'bias' | 'clean' }>('toxicity.jsonl')
  const found = await modelled(data.map((d) => d.text))
  let any = ZERO
  const kinds: Record<'toxic' | 'bias', Counts> = { toxic: ZERO, bias: ZERO }
  data.forEach((d, i) => {
    const tox = (found[i] ?? []).filter((f) => f.detector === 'toxicity')
    any = add(any, textScore(tox.length > 0, d.label !== 'clean'))
    for (const k of ['toxic', 'bias'] as const)
      kinds[k] = add(
        kinds[k],
        textScore(
          tox.some((f) => f.kind === k),
          d.label === k
        )
      )
  })
  rows.push({
    detector: 'toxicity and bias (MiniLM classifier)',
    items: data.length,
    ...any,
    target: 'F1 >= 0.85',
    pass: (m) => m.f1 >= 0.85,
  })
  for (const k of ['toxic', 'bias'] as const)
    rows.push({ detector: `- labelled ${k}`, items: data.length, ...kinds[k], target: '' })
}
// Traffic that is not of a detector's kind, from the other sets: how often it is flagged anyway.
// The labelled sets are balanced; gateway traffic is mostly benign, so this is the false-alarm
// rate a security team would see.
const others = {
  injection: [
    ...read<{ text: string }>('toxicity.jsonl').map((d) => d.text),
    ...read<{ text: string }>('entities.jsonl').map((d) => parseMarkup(d.text).text),
    ...read<{ text: string }>('pii.jsonl').map((d) => d.text),
    ...read<{ text: string }>('secrets.jsonl').map((d) => d.text),
  ],
  toxicity: [
    ...read<{ text: string }>('entities.jsonl').map((d) => parseMarkup(d.text).text),
    ...read<{ text: string }>('pii.jsonl').map((d) => d.text),
    ...read<{ text: string }>('secrets.jsonl').map((d) => d.text),
    ...read<{ text: string; label: number }>('injection.jsonl')
      .filter((d) => d.label === 0)
      .map((d) => d.text),
  ],
}
const falseAlarms: string[] = []
for (const [detector, texts] of Object.entries(others)) {
  const found = await modelled(texts)
  const flagged = texts.filter((t, i) => {
    const fs = [...detectAll(segment(t)), ...(found[i] ?? [])]
    return fs.some((f) => f.detector === detector)
  }).length
  falseAlarms.push(
    `| ${detector} | ${texts.length} | ${flagged} | ${(flagged / texts.length).toFixed(3)} |`
  )
}
await models.close()

const fmt = (x: number) => x.toFixed(3)
console.log('| detector | items | TP | FP | FN | precision | recall | F1 | target | met |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|')
for (const r of rows) {
  const m = metrics(r)
  const met = r.pass ? (r.pass(m) ? 'yes' : 'no') : '-'
  console.log(
    `| ${r.detector} | ${r.items} | ${r.tp} | ${r.fp} | ${r.fn} | ${fmt(m.p)} | ${fmt(m.r)} | ${fmt(m.f1)} | ${r.target} | ${met} |`
  )
}
console.log('\nFlagged among texts of the other sets (none of them of that kind):\n')
console.log('| detector | texts | flagged | false-alarm rate |')
console.log('|---|---:|---:|---:|')
for (const line of falseAlarms) console.log(line)
