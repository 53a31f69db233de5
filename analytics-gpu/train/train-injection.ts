/**
 * Trains the prompt-injection head: logistic regression over all-MiniLM-L6-v2 sentence
 * embeddings of train/data/injection.jsonl (kept apart from eval/data), written to
 * models/injection-minilm/1/head.json. Deterministic: same data and encoder, same head.
 * Run by `npm test`'s pretest after the weights are fetched, or by hand: `npm run train`.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadRepository } from '../src/models/config'
import { Encoder } from '../src/models/encoder'
import { predict, trainLogistic, type LinearHeadWeights } from '../src/models/linear-head'

const ROOT = resolve(import.meta.dirname, '..')
const DATA = join(ROOT, 'train/data/injection.jsonl')
const raw = readFileSync(DATA, 'utf8')
const rows = raw
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; label: 0 | 1 })

const encoderModel = loadRepository(join(ROOT, 'models')).get('minilm-l6-v2')
if (!encoderModel) throw new Error('minilm-l6-v2 weights missing: run scripts/fetch-models.sh')
const encoder = await Encoder.load(encoderModel, { device: 'cpu' })
// One text at a time: the int8 encoder's activations are scaled per batch, so embedding alone
// is what makes the same text give the same vector at training and at inference.
const xs: Float32Array[] = []
for (const r of rows) xs.push(...(await encoder.embed([r.text])))
await encoder.close()

const { weights, bias } = trainLogistic(
  xs,
  rows.map((r) => r.label)
)
const accuracy =
  rows.filter(
    (r, i) => (predict({ weights, bias }, xs[i] as Float32Array) >= 0.5 ? 1 : 0) === r.label
  ).length / rows.length
const head: LinearHeadWeights = {
  weights,
  bias,
  trainedOn: {
    data: 'train/data/injection.jsonl',
    sha256: createHash('sha256').update(raw).digest('hex'),
    examples: rows.length,
    encoder: 'minilm-l6-v2',
  },
}
const out = join(ROOT, 'models/injection-minilm/1')
mkdirSync(out, { recursive: true })
writeFileSync(join(out, 'head.json'), JSON.stringify(head))
console.log(`injection head: ${rows.length} examples, training accuracy ${accuracy.toFixed(3)}`)
