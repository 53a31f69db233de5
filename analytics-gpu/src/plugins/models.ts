import { resolve } from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config'
import { DetectorHealth } from '../detectors/health'
import { loadModelDetectors, type ModelDetectors } from '../detectors/models'

declare module 'fastify' {
  interface FastifyInstance {
    /** The model-backed detectors, or null when the repository holds no weights. */
    models: ModelDetectors | null
    /** Calls, findings, failures and latency of every detector, wherever it ran. */
    detectorHealth: DetectorHealth
  }
}

/** The repository shipped beside the service, unless MODELS_DIR points elsewhere. */
const DEFAULT_REPO = resolve(import.meta.dirname, '../../models')

/** Loads the model repository once at boot (GPU when present) and releases it on close. */
export const modelsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const health = new DetectorHealth()
    const models = await loadModelDetectors(
      config.modelsDir ?? DEFAULT_REPO,
      config.modelDevice,
      health,
      { threads: config.modelThreads, workers: config.modelWorkers }
    )
    if (!models) app.log.warn('no model weights in the repository: pattern detectors only')
    app.decorate('models', models)
    app.decorate('detectorHealth', health)
    app.addHook('onClose', async () => {
      await models?.close()
    })
  },
  { name: 'models' }
)
