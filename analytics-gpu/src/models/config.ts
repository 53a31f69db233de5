import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

/**
 * One model's config.json in the repository: Triton's layout (a folder per model, numbered
 * version folders holding `model.onnx`), with what the service needs to run it. An operator
 * drops in another model, or a newer version, by adding folders: no code changes.
 */
export const ModelConfig = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  /** An ONNX graph, or a linear head over another model's embeddings (`head.json`). */
  platform: z.enum(['onnxruntime_onnx', 'linear_head']),
  /** For a head: the repository model whose embeddings it reads. */
  encoder: z.string().optional(),
  /** For a classifier: the probability from which its positive label is reported. */
  threshold: z.number().min(0).max(1).optional(),
  task: z.enum(['feature-extraction', 'text-classification', 'token-classification']),
  default_version: z.number().int().min(1).optional(),
  max_batch_size: z.number().int().min(1).max(1024).default(32),
  max_sequence_length: z.number().int().min(8).max(8192).default(256),
  inputs: z.array(z.string()).default(['input_ids', 'attention_mask', 'token_type_ids']),
  output: z.string().default('last_hidden_state'),
  dims: z.number().int().min(1).optional(),
  pooling: z.enum(['mean', 'cls', 'none']).default('mean'),
  normalize: z.boolean().default(true),
  /** Class names of a classifier's outputs, in order. */
  labels: z.array(z.string()).optional(),
  source: z.string().optional(),
})
export type ModelConfig = z.infer<typeof ModelConfig>

export interface RepositoryModel {
  config: ModelConfig
  dir: string
  versions: number[]
  /** The weights of the version to load (the configured default, else the newest). */
  modelPath: string
  tokenizerDir: string
}

/** Reads a model repository; a model folder with a broken config fails loudly at boot. */
export function loadRepository(root: string): Map<string, RepositoryModel> {
  const models = new Map<string, RepositoryModel>()
  if (!existsSync(root)) return models
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(root, entry.name)
    const file = join(dir, 'config.json')
    if (!existsSync(file)) continue
    const parsed = ModelConfig.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    if (!parsed.success)
      throw new Error(`model ${entry.name}: invalid config.json: ${parsed.error.message}`)
    const weights = parsed.data.platform === 'linear_head' ? 'head.json' : 'model.onnx'
    const versions = readdirSync(dir, { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() && /^\d+$/.test(d.name) && existsSync(join(dir, d.name, weights))
      )
      .map((d) => Number(d.name))
      .sort((a, b) => a - b)
    const version = parsed.data.default_version ?? versions.at(-1)
    if (version === undefined || !versions.includes(version)) continue // weights not fetched
    models.set(parsed.data.name, {
      config: parsed.data,
      dir,
      versions,
      modelPath: join(dir, String(version), weights),
      tokenizerDir: dir,
    })
  }
  return models
}
