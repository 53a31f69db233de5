import { resolve } from 'node:path'
import fp from 'fastify-plugin'
import type { Config } from '../config'
import { loadModelDetectors, type ModelDetectors } from '../detectors/models'

declare module 'fastify' {
  interface FastifyInstance {
    /** The model-backed detectors, or null when the repository holds no weights. */
    models: ModelDetectors | null
  }
}

/** The repository shipped beside the service, unless MODELS_DIR points elsewhere. */
const DEFAULT_REPO = resolve(import.meta.dirname, '../../models')

/** Loads the model repository once at boot (GPU when present) and releases it on close. */
export const modelsPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    const models = await loadModelDetectors(config.modelsDir ?? DEFAULT_REPO, config.modelDevice)
    if (!models) app.log.warn('no model weights in the repository: pattern detectors only')
    app.decorate('models', models)
    app.addHook('onClose', async () => {
      await models?.close()
    })
  },
  { name: 'models' }
)
