import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

const Severity = z.enum(['low', 'medium', 'high', 'critical'])

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
  /** Windows of `max_sequence_length` tokens read per text; the rest is left to patterns. */
  max_windows: z.number().int().min(1).max(64).default(4),
  inputs: z.array(z.string()).default(['input_ids', 'attention_mask', 'token_type_ids']),
  output: z.string().default('last_hidden_state'),
  dims: z.number().int().min(1).optional(),
  pooling: z.enum(['mean', 'cls', 'none']).default('mean'),
  normalize: z.boolean().default(true),
  /** Class names of a classifier's outputs, in order. */
  labels: z.array(z.string()).optional(),
  /** How a classifier's logits become probabilities (sigmoid: independent labels). */
  activation: z.enum(['softmax', 'sigmoid']).default('softmax'),
  /** For a detector: the family its findings belong to. */
  detector: z.enum(['pii', 'injection', 'toxicity', 'exfiltration']).optional(),
  /** The label that means "nothing found" (benign, clean, O). */
  negative_label: z.string().optional(),
  /** Which side of an interaction it reads. */
  fields: z
    .array(z.enum(['request', 'response']))
    .min(1)
    .default(['request', 'response']),
  /** Finding kind per label (the label itself otherwise). */
  kinds: z.record(z.string(), z.string()).default({}),
  /** Severity per label; `default` for the rest. */
  severity: z.record(z.string(), Severity).default({}),
  /** Models this one takes over from: a drop-in replacement by configuration alone. */
  replaces: z.array(z.string()).default([]),
  enabled: z.boolean().default(true),
  source: z.string().optional(),
})
export type ModelConfig = z.infer<typeof ModelConfig>

export interface RepositoryModel {
  config: ModelConfig
  dir: string
  versions: number[]
  /** The version loaded. */
  version: number
  /** The weights of the version to load (the configured default, else the newest). */
  modelPath: string
  tokenizerDir: string
}

/** Reads a model repository; a model folder with a broken config fails loudly at boot. */
export function loadRepository(root: string): Map<string, RepositoryModel> {
  const models = new Map<string, RepositoryModel>()
  if (!existsSync(root)) return models
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const dir = join(root, entry.name)
    // Folders, or links to them (a shared weights volume linked into the repository).
    if (!(entry.isDirectory() || (entry.isSymbolicLink() && statSync(dir).isDirectory()))) continue
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
      version,
      modelPath: join(dir, String(version), weights),
      tokenizerDir: dir,
    })
  }
  return models
}
