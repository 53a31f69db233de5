import { loadRepository, type ModelConfig, type RepositoryModel } from '../models/config'
import { attentionFeatures } from '../models/attention'
import { Classifier } from '../models/classifier'
import { Encoder, type Encoded } from '../models/encoder'
import { predict, readHead, softmax, type HeadWeights } from '../models/head'
import type { Device } from '../models/session'
import { isCased, wordLogits } from '../models/word-features'
import { tagSpans } from './entities'
import { DetectorHealth } from './health'
import { combine, injectionSignals } from './injection-heuristics'
import type { DetectorId, Finding, Segment, Severity } from './types'

/** What /v1/detectors reports for one model-backed detector. */
export interface ModelDetectorInfo {
  id: string
  /** The family its findings belong to; null for a shared encoder. */
  detector: DetectorId | null
  task: ModelConfig['task']
  engine: string
  version: number
  ready: boolean
  provider?: 'cuda' | 'cpu'
  /** Which sides of an interaction it reads. */
  fields?: readonly ('request' | 'response')[]
  reason?: string
}

/** The model-backed detectors: one shared encoder pass per text, every head on top of it. */
export interface ModelDetectors {
  detect(segments: readonly Segment[]): Promise<Finding[]>
  info(): ModelDetectorInfo[]
  close(): Promise<void>
}

type Run = (
  segment: Segment,
  encoded: ReadonlyMap<string, Encoded>
) => Finding[] | Promise<Finding[]>

interface Loaded {
  info: ModelDetectorInfo
  fields: ModelConfig['fields']
  encoder?: string
  run: Run
}

/** The model's verdict on a whole text as a finding, or none below its threshold. */
function textFinding(
  config: ModelConfig,
  labels: readonly string[],
  probs: ArrayLike<number>,
  segment: Segment
): Finding[] {
  const neg = labels.indexOf(config.negative_label ?? (labels[0] as string))
  let best = -1
  for (let k = 0; k < labels.length; k++)
    if (k !== neg && (best < 0 || (probs[k] as number) > (probs[best] as number))) best = k
  // Softmax: everything but "nothing found"; sigmoid labels are independent.
  const p = config.activation === 'sigmoid' ? (probs[best] as number) : 1 - (probs[neg] ?? 0)
  if (best < 0 || p < (config.threshold ?? 0.5)) return []
  const label = labels[best] as string
  const detector = config.detector as DetectorId
  let score = p
  let severity: Severity = config.severity[label] ?? config.severity.default ?? 'high'
  if (detector === 'injection') {
    // The classifier's probability and the phrase signals are independent evidence.
    score = combine([p, injectionSignals(segment.text).score])
    if (score >= 0.9) severity = 'critical'
  }
  return [
    {
      detector,
      kind: config.kinds[label] ?? label,
      score,
      severity,
      field: segment.field,
      path: segment.path,
      start: 0,
      end: segment.text.length,
    },
  ]
}

const ENGINE: Record<HeadWeights['features'], string> = {
  embedding: 'linear head',
  attention: 'attention head',
  'word-context': 'token head',
}

function headRunner(model: RepositoryModel, head: HeadWeights, encoder: string): Run {
  const { config } = model
  const threshold = config.threshold ?? 0.5
  if (head.features === 'attention') {
    const queries = { attention: head.attention ?? [] }
    return (segment, encoded) =>
      textFinding(
        config,
        head.labels,
        predict(head, attentionFeatures(queries, encoded.get(encoder) as Encoded).x),
        segment
      )
  }
  if (head.features === 'embedding')
    return (segment, encoded) =>
      textFinding(
        config,
        head.labels,
        predict(head, (encoded.get(encoder) as Encoded).embedding),
        segment
      )
  const negative = config.negative_label ?? head.labels[0] ?? 'O'
  return (segment, encoded) => {
    const { words, states } = encoded.get(encoder) as Encoded
    const cased = isCased(segment.text)
    const probs = wordLogits(head, words, states, cased).map(softmax)
    return tagSpans(words, probs, head.labels, negative, threshold).map((s) => ({
      detector: config.detector as DetectorId,
      kind: config.kinds[s.label] ?? s.label.toLowerCase(),
      score: s.score,
      severity: config.severity[s.label] ?? config.severity.default ?? 'medium',
      field: segment.field,
      path: segment.path,
      start: s.start,
      end: s.end,
    }))
  }
}

/**
 * Loads every detector the model repository configures: heads over a shared encoder (the
 * MiniLM injection, toxicity and entity heads trained in train/) and operators' own ONNX text
 * classifiers. A model named in another's `replaces`, or `enabled: false`, is not loaded; a
 * head whose encoder has no weights is reported as not ready. Null when nothing can run, so
 * the pattern detectors work alone.
 */
export async function loadModelDetectors(
  repoDir: string,
  device: Device = 'auto',
  health: DetectorHealth = new DetectorHealth(),
  options: {
    /** Intra-op threads per model session and sessions per model (default: planSessions). */
    threads?: number | undefined
    workers?: number | undefined
    /** Recent texts the encoder remembers (default 2,048; 0 for none). */
    rememberTexts?: number | undefined
  } = {}
): Promise<ModelDetectors | null> {
  const { threads, workers, rememberTexts } = options
  const repo = loadRepository(repoDir)
  const all = [...repo.values()]
  const replaced = new Set(all.filter((m) => m.config.enabled).flatMap((m) => m.config.replaces))
  const active = all.filter(
    (m) => m.config.enabled && m.config.detector && !replaced.has(m.config.name)
  )
  const encoders = new Map<string, Encoder>()
  const classifiers: Classifier[] = []
  const loaded: Loaded[] = []
  const skipped: ModelDetectorInfo[] = []
  for (const m of active) {
    const { config } = m
    const info = {
      id: config.name,
      detector: config.detector as DetectorId,
      task: config.task,
      version: m.version,
    }
    if (config.platform === 'linear_head') {
      const base = config.encoder ? repo.get(config.encoder) : undefined
      if (!base) {
        skipped.push({
          ...info,
          engine: 'linear head',
          ready: false,
          reason: `encoder ${config.encoder ?? '(none configured)'} has no weights`,
        })
        continue
      }
      let encoder = encoders.get(base.config.name)
      if (!encoder) {
        encoder = await Encoder.load(base, { device, threads, workers, rememberTexts })
        encoders.set(base.config.name, encoder)
      }
      const head = readHead(m.modelPath)
      loaded.push({
        info: {
          ...info,
          engine: `${ENGINE[head.features]} over ${base.config.name}`,
          ready: true,
          provider: encoder.provider,
          fields: config.fields,
        },
        fields: config.fields,
        encoder: base.config.name,
        run: headRunner(m, head, base.config.name),
      })
    } else if (config.task === 'text-classification') {
      const classifier = await Classifier.load(m, device, { threads, workers })
      classifiers.push(classifier)
      const labels = config.labels as string[]
      loaded.push({
        info: {
          ...info,
          engine: 'onnxruntime classifier',
          ready: true,
          provider: classifier.provider,
        },
        fields: config.fields,
        run: async (segment) =>
          textFinding(config, labels, await classifier.classify(segment.text), segment),
      })
    } else
      throw new Error(`model ${config.name}: a ${config.task} ONNX model cannot be a detector yet`)
  }
  if (!loaded.length) {
    await Promise.all([...encoders.values()].map((e) => e.close()))
    return null
  }
  return {
    async detect(segments) {
      const perSegment = await Promise.all(
        segments.map(async (segment) => {
          if (!segment.text.trim()) return []
          const mine = loaded.filter((l) => l.fields.includes(segment.field))
          const encoded = new Map<string, Encoded>()
          await Promise.all(
            [...new Set(mine.flatMap((l) => (l.encoder ? [l.encoder] : [])))].map(async (name) =>
              encoded.set(
                name,
                await health.time(name, () => (encoders.get(name) as Encoder).encode(segment.text))
              )
            )
          )
          const found = await Promise.all(
            mine.map((l) => health.time(l.info.id, () => l.run(segment, encoded)))
          )
          return found.flat()
        })
      )
      return perSegment.flat()
    },
    info: () => [
      ...[...encoders.values()].map((e): ModelDetectorInfo => ({
        id: e.model.config.name,
        detector: null,
        task: 'feature-extraction',
        engine: 'onnxruntime encoder',
        version: e.model.version,
        ready: true,
        provider: e.provider,
      })),
      ...loaded.map((l) => l.info),
      ...skipped,
    ],
    async close() {
      await Promise.all([...encoders.values(), ...classifiers].map((e) => e.close()))
    },
  }
}
