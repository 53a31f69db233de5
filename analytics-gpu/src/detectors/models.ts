import { loadRepository } from '../models/config'
import { Encoder } from '../models/encoder'
import { predict, readHead, type LinearHeadWeights } from '../models/linear-head'
import type { Device } from '../models/session'
import { combine, injectionSignals } from './injection-heuristics'
import type { Finding, Segment } from './types'

/** The model-backed detectors: one shared encoder pass per text, heads on top. */
export interface ModelDetectors {
  detect(segments: readonly Segment[]): Promise<Finding[]>
  health(): { id: string; engine: string; ready: boolean; provider?: string }[]
  close(): Promise<void>
}

/**
 * Loads what the model repository holds: the MiniLM encoder and the heads trained on it (the
 * injection classifier today). Missing weights leave the pattern detectors working alone.
 */
export async function loadModelDetectors(
  repoDir: string,
  device: Device = 'auto'
): Promise<ModelDetectors | null> {
  const repo = loadRepository(repoDir)
  const encoderModel = repo.get('minilm-l6-v2')
  const injectionModel = repo.get('injection-minilm')
  if (!encoderModel || !injectionModel) return null
  const encoder = await Encoder.load(encoderModel, { device })
  const head: LinearHeadWeights = readHead(injectionModel.modelPath)
  const threshold = injectionModel.config.threshold ?? 0.5
  return {
    async detect(segments) {
      const requests = segments.filter((s) => s.field === 'request' && s.text.trim())
      const vectors = await Promise.all(requests.map((s) => encoder.embed([s.text.slice(0, 4000)])))
      const out: Finding[] = []
      requests.forEach((s, i) => {
        const p = predict(head, (vectors[i] as Float32Array[])[0] as Float32Array)
        // The classifier's probability and the phrase signals are independent evidence.
        const score = combine([p, injectionSignals(s.text).score])
        if (p < threshold) return
        out.push({
          detector: 'injection',
          kind: 'classifier',
          score,
          severity: score >= 0.9 ? 'critical' : 'high',
          field: s.field,
          path: s.path,
          start: 0,
          end: s.text.length,
        })
      })
      return out
    },
    health: () => [
      {
        id: 'embeddings',
        engine: `onnxruntime (${encoderModel.config.name})`,
        ready: true,
        provider: encoder.provider,
      },
      {
        id: 'injection',
        engine: `linear head (${injectionModel.config.name})`,
        ready: true,
        provider: encoder.provider,
      },
    ],
    close: () => encoder.close(),
  }
}
