/**
 * Trains the heads of the model repository from the data in train/data (kept apart from
 * eval/data): softmax regression over all-MiniLM-L6-v2, written to
 * models/<head>/1/head.json. Deterministic (no sampling; the encoder runs one text at a time,
 * because the int8 encoder scales activations per batch), and skipped when the head on disk was
 * already made from the same data, encoder and recipe. `npm run train [head...]`, also run by
 * `npm test`'s pretest once the weights are fetched.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadRepository } from '../src/models/config'
import { Encoder, type Encoded } from '../src/models/encoder'
import { attentionFeatures, trainAttention } from '../src/models/attention'
import { HeadWeights, predict, trainSoftmax } from '../src/models/head'
import { parseMarkup } from '../src/models/markup'
import { isCased, wordFeatures } from '../src/models/word-features'
import { HEADS, type HeadSpec } from './heads'

const ROOT = resolve(import.meta.dirname, '..')
const ENCODER = 'minilm-l6-v2'

const encoderModel = loadRepository(join(ROOT, 'models')).get(ENCODER)
if (!encoderModel) throw new Error(`${ENCODER} weights missing: run scripts/fetch-models.sh`)
let encoder: Encoder | undefined
const encode = async (text: string): Promise<Encoded> =>
  (encoder ??= await Encoder.load(encoderModel, { device: 'cpu' })).encode(text)

const dataLines = (file: string) =>
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())

/** Examples of one head: feature vectors and label indices. */
async function examples(
  spec: HeadSpec,
  lines: string[]
): Promise<{ xs: Float32Array[]; texts: Encoded[]; ys: number[] }> {
  const xs: Float32Array[] = []
  const texts: Encoded[] = []
  const ys: number[] = []
  const addText = (e: Encoded) =>
    spec.features === 'attention' ? texts.push(e) : xs.push(e.embedding)
  for (const line of lines) {
    const row = JSON.parse(line) as Record<string, unknown>
    if (spec.features !== 'word-context') {
      const { text, label } = spec.example(row)
      addText(await encode(text))
      ys.push(spec.labels.indexOf(label))
      continue
    }
    const { text, spans } = parseMarkup(String(row.text))
    const { words, states } = await encode(text)
    const cased = isCased(text)
    words.forEach((w, i) => {
      const span = spans.find((s) => w.start < s.end && s.start < w.end)
      xs.push(wordFeatures(words, states, i, cased))
      ys.push(span ? spec.labels.indexOf(span.label) : 0)
    })
  }
  if (spec.features !== 'word-context')
    for (const file of spec.negatives ?? [])
      for (const line of dataLines(file)) {
        const { text } = JSON.parse(line) as { text: string }
        addText(await encode(file.includes('entities') ? parseMarkup(text).text : text))
        ys.push(0)
      }
  if (ys.some((y) => y < 0))
    throw new Error(`${spec.model}: a label outside ${spec.labels.join(', ')}`)
  return { xs, texts, ys }
}

/** Trains the head the spec names; `predictOne(i)` gives example i's probabilities. */
function fit(
  spec: HeadSpec,
  data: { xs: Float32Array[]; texts: Encoded[]; ys: number[] },
  classWeights: number[] | undefined
): {
  trained: Pick<HeadWeights, 'weights' | 'bias' | 'attention'>
  predictOne: (i: number) => Float64Array
} {
  const options = { ...spec.recipe, ...(classWeights ? { classWeights } : {}) }
  if (spec.features === 'attention') {
    const trained = trainAttention(data.texts, data.ys, spec.labels.length, options)
    return {
      trained,
      predictOne: (i) => predict(trained, attentionFeatures(trained, data.texts[i] as Encoded).x),
    }
  }
  const trained = trainSoftmax(data.xs, data.ys, spec.labels.length, options)
  return { trained, predictOne: (i) => predict(trained, data.xs[i] as Float32Array) }
}

const wanted = process.argv.slice(2)
for (const spec of HEADS.filter((h) => !wanted.length || wanted.includes(h.model))) {
  const files = [spec.data, ...(spec.features !== 'word-context' ? (spec.more ?? []) : [])]
  const raw = files.map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n')
  const negatives = spec.features !== 'word-context' ? (spec.negatives ?? []) : []
  const sha256 = createHash('sha256')
    .update(raw)
    .update(negatives.map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n'))
    .update(JSON.stringify({ ...spec.recipe, features: spec.features, labels: spec.labels }))
    .digest('hex')
  const out = join(ROOT, 'models', spec.model, '1', 'head.json')
  const current = existsSync(out)
    ? HeadWeights.safeParse(JSON.parse(readFileSync(out, 'utf8')))
    : undefined
  if (current?.success && current.data.trainedOn.sha256 === sha256 && !process.env.RETRAIN) {
    console.log(`${spec.model}: up to date`)
    continue
  }
  const lines = raw.split('\n').filter((l) => l.trim())
  const started = performance.now()
  const data = await examples(spec, lines)
  const { ys } = data
  const counts = spec.labels.map((_, k) => ys.filter((y) => y === k).length)
  const classWeights = spec.recipe.balanced
    ? counts.map((c) => ys.length / (spec.labels.length * Math.max(c, 1)))
    : spec.recipe.classWeights
  const { trained, predictOne } = fit(spec, data, classWeights)
  const right = ys.filter((y, i) => {
    const p = predictOne(i)
    return p.indexOf(Math.max(...p)) === y
  }).length
  const head: HeadWeights = {
    labels: spec.labels,
    features: spec.features,
    ...trained,
    trainedOn: {
      data: [...files, ...negatives].join(' + '),
      sha256,
      examples: ys.length,
      encoder: ENCODER,
    },
  }
  mkdirSync(join(out, '..'), { recursive: true })
  writeFileSync(out, JSON.stringify(head))
  console.log(
    `${spec.model}: ${lines.length} lines, ${ys.length} examples, training accuracy ${(right / ys.length).toFixed(3)}, ${((performance.now() - started) / 1000).toFixed(1)} s`
  )
}
await encoder?.close()
