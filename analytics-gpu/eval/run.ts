/**
 * `npm run eval`: precision, recall and F1 of each detector on the labelled evaluation set in
 * eval/data (kept apart from any training data). Span-level for PII and secrets (a finding
 * counts when it overlaps a labelled span of the same kind), text-level for injection.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { detectAll, type Finding } from '../src/detectors'
import { loadModelDetectors } from '../src/detectors/models'

const DATA = join(import.meta.dirname, 'data')
const read = <T>(file: string): T[] =>
  readFileSync(join(DATA, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T)

interface Row {
  detector: string
  items: number
  tp: number
  fp: number
  fn: number
  target: string
  pass?: boolean
}

const metrics = (r: Pick<Row, 'tp' | 'fp' | 'fn'>) => {
  const p = r.tp + r.fp ? r.tp / (r.tp + r.fp) : 1
  const rec = r.tp + r.fn ? r.tp / (r.tp + r.fn) : 1
  return { p, r: rec, f1: p + rec ? (2 * p * rec) / (p + rec) : 0 }
}

const segment = (text: string) => [{ field: 'request' as const, path: 'text', text }]
const overlaps = (f: Finding, s: number, e: number) => f.start < e && s < f.end

/** Span scoring: gold spans matched (recall) and findings that hit one (precision). */
function spanScore(
  gold: { kind?: string; start: number; end: number }[],
  found: Finding[],
  sameKind: boolean
) {
  const hit = (f: Finding, g: (typeof gold)[number]) =>
    overlaps(f, g.start, g.end) && (!sameKind || g.kind === f.kind)
  const tp = gold.filter((g) => found.some((f) => hit(f, g))).length
  const fp = found.filter((f) => !gold.some((g) => hit(f, g))).length
  return { tp, fp, fn: gold.length - tp }
}

const rows: Row[] = []

{
  const data = read<{ text: string; spans: [string, string][] }>('pii.jsonl')
  const acc = { tp: 0, fp: 0, fn: 0 }
  for (const d of data) {
    const gold = d.spans.map(([kind, match]) => {
      const start = d.text.indexOf(match)
      if (start < 0) throw new Error(`pii.jsonl: "${match}" is not in "${d.text}"`)
      return { kind, start, end: start + match.length }
    })
    const found = detectAll(segment(d.text)).filter((f) => f.detector === 'pii')
    const s = spanScore(gold, found, true)
    acc.tp += s.tp
    acc.fp += s.fp
    acc.fn += s.fn
  }
  const m = metrics(acc)
  rows.push({
    detector: 'PII, structured (patterns)',
    items: data.length,
    ...acc,
    target: 'recall >= 0.98 at precision >= 0.95',
    pass: m.r >= 0.98 && m.p >= 0.95,
  })
}

{
  const data = read<{ text: string; secrets: string[] }>('secrets.jsonl')
  const acc = { tp: 0, fp: 0, fn: 0 }
  for (const d of data) {
    const gold = d.secrets.map((match) => {
      const start = d.text.indexOf(match)
      if (start < 0) throw new Error(`secrets.jsonl: "${match}" is not in "${d.text}"`)
      return { start, end: start + match.length }
    })
    const found = detectAll(segment(d.text)).filter((f) => f.detector === 'exfiltration')
    const s = spanScore(gold, found, false)
    acc.tp += s.tp
    acc.fp += s.fp
    acc.fn += s.fn
  }
  rows.push({
    detector: 'secrets (patterns + entropy)',
    items: data.length,
    ...acc,
    target: '(none set)',
  })
}

{
  const data = read<{ text: string; label: 0 | 1 }>('injection.jsonl')
  const acc = { tp: 0, fp: 0, fn: 0 }
  for (const d of data) {
    const flagged = detectAll(segment(d.text)).some((f) => f.detector === 'injection')
    if (flagged && d.label) acc.tp++
    else if (flagged) acc.fp++
    else if (d.label) acc.fn++
  }
  rows.push({
    detector: 'injection, heuristics alone',
    items: data.length,
    ...acc,
    target: '(reference)',
  })
  const models = await loadModelDetectors(join(import.meta.dirname, '../models'), 'cpu')
  if (!models)
    throw new Error('model weights missing: run scripts/fetch-models.sh and npm run train')
  const both = { tp: 0, fp: 0, fn: 0 }
  // All texts at once, as the service runs them (the encoder batches concurrent texts).
  const modelled = await Promise.all(data.map((d) => models.detect(segment(d.text))))
  for (const [i, d] of data.entries()) {
    const found = [...detectAll(segment(d.text)), ...(modelled[i] ?? [])]
    const flagged = found.some((f) => f.detector === 'injection')
    if (flagged && d.label) both.tp++
    else if (flagged) both.fp++
    else if (d.label) both.fn++
  }
  await models.close()
  const m = metrics(both)
  rows.push({
    detector: 'injection, MiniLM classifier + heuristics',
    items: data.length,
    ...both,
    target: 'F1 >= 0.90',
    pass: m.f1 >= 0.9,
  })
}

const fmt = (x: number) => x.toFixed(3)
console.log('| detector | items | TP | FP | FN | precision | recall | F1 | target | met |')
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|')
for (const r of rows) {
  const m = metrics(r)
  console.log(
    `| ${r.detector} | ${r.items} | ${r.tp} | ${r.fp} | ${r.fn} | ${fmt(m.p)} | ${fmt(m.r)} | ${fmt(m.f1)} | ${r.target} | ${r.pass === undefined ? '-' : r.pass ? 'yes' : 'no'} |`
  )
}
console.log('| toxicity | - | - | - | - | - | - | - | F1 >= 0.85 | not built yet |')
console.log(
  '| person and location names | - | - | - | - | - | - | - | recall >= 0.85 | not built yet |'
)
