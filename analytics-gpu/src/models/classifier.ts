import type { Tokenizer } from '@huggingface/tokenizers'
import { MicroBatcher } from './batcher'
import type { RepositoryModel } from './config'
import { loadTokenizer } from './encoder'
import { SessionPool } from './pool'
import type { Device } from './session'
import type { Feed } from './worker-session'

/**
 * An operator's own text classifier (a fine-tuned DeBERTa or BERT exported to ONNX with its
 * tokenizer): whole texts in, logits out, one probability per configured label. It needs no
 * code, only a model folder: config.json (labels, detector, threshold), tokenizer.json,
 * tokenizer_config.json and `<version>/model.onnx`.
 */
export class Classifier {
  readonly #batcher: MicroBatcher<number[], Float64Array>

  private constructor(
    readonly model: RepositoryModel,
    readonly provider: 'cuda' | 'cpu',
    private readonly session: SessionPool,
    private readonly tokenizer: Tokenizer,
    private readonly pad: number
  ) {
    this.#batcher = new MicroBatcher((ids) => this.run(ids), {
      maxBatch: model.config.max_batch_size,
      maxWaitMs: 2,
      maxConcurrent: 2 * session.size,
    })
  }

  static async load(
    model: RepositoryModel,
    device: Device = 'auto',
    plan: { threads?: number | undefined; workers?: number | undefined } = {}
  ): Promise<Classifier> {
    const labels = model.config.labels
    if (!labels || labels.length < 2)
      throw new Error(`model ${model.config.name}: a classifier needs at least two labels`)
    const tokenizer = loadTokenizer(model.tokenizerDir)
    const session = await SessionPool.open(model.modelPath, device, plan)
    if (!session.outputNames.includes(model.config.output))
      throw new Error(
        `model ${model.config.name}: no output "${model.config.output}" (it has ${session.outputNames.join(', ')})`
      )
    const pad = tokenizer.token_to_id('[PAD]') ?? tokenizer.token_to_id('<pad>') ?? 0
    return new Classifier(model, session.provider, session, tokenizer, pad)
  }

  /** Probabilities per label, in the configured label order. */
  classify(text: string): Promise<Float64Array> {
    const ids = this.tokenizer.encode(text).ids
    const max = this.model.config.max_sequence_length
    // Cut to the model's length, keeping the closing special token.
    return this.#batcher.push(
      ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1] as number]
    )
  }

  private async run(batch: number[][]): Promise<Float64Array[]> {
    const width = Math.max(...batch.map((b) => b.length))
    const n = batch.length * width
    const ids = new BigInt64Array(n).fill(BigInt(this.pad))
    const mask = new BigInt64Array(n)
    batch.forEach((b, i) =>
      b.forEach((id, t) => {
        ids[i * width + t] = BigInt(id)
        mask[i * width + t] = 1n
      })
    )
    const dims = [batch.length, width]
    const feeds: Record<string, Feed> = {}
    for (const name of this.session.inputNames) {
      if (name === 'input_ids') feeds[name] = { data: ids, dims }
      else if (name === 'attention_mask') feeds[name] = { data: mask, dims }
      else if (name === 'token_type_ids') feeds[name] = { data: new BigInt64Array(n), dims }
      else throw new Error(`model ${this.model.config.name}: unsupported input "${name}"`)
    }
    const out = await this.session.run(feeds, this.model.config.output)
    const labels = (this.model.config.labels as string[]).length
    const [rows, cols] = out.dims as [number, number]
    if (rows !== batch.length || cols !== labels)
      throw new Error(
        `model ${this.model.config.name}: output [${out.dims.join(', ')}] does not match ${labels} labels`
      )
    const data = out.data
    return batch.map((_, i) =>
      activate(data.subarray(i * cols, (i + 1) * cols), this.model.config.activation)
    )
  }

  async close(): Promise<void> {
    await this.session.close()
  }
}

function activate(logits: Float32Array, activation: 'softmax' | 'sigmoid'): Float64Array {
  const out = Float64Array.from(logits)
  if (activation === 'sigmoid') return out.map((z) => 1 / (1 + Math.exp(-z)))
  const max = Math.max(...out)
  const e = out.map((z) => Math.exp(z - max))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((x) => x / sum)
}
