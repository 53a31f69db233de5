import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { MicroBatcher } from './batcher'
import type { RepositoryModel } from './config'
import { meanPool } from './pooling'
import { openSession, ort, type Device } from './session'

/**
 * A sentence encoder from the model repository: tokenises with the model's own tokenizer.json
 * (@huggingface/tokenizers, offline), runs the ONNX graph (onnxruntime-node) in micro-batches,
 * and pools token states into one normalised vector per text. Detectors that share it share
 * one encoder pass per text; the per-token states are there for token-classification heads.
 */
export class Encoder {
  readonly #batcher: MicroBatcher<string, Float32Array>

  private constructor(
    readonly model: RepositoryModel,
    readonly provider: 'cuda' | 'cpu',
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: Tokenizer,
    maxWaitMs: number
  ) {
    this.#batcher = new MicroBatcher<string, Float32Array>((texts) => this.run(texts), {
      maxBatch: model.config.max_batch_size,
      maxWaitMs,
    })
  }

  static async load(
    model: RepositoryModel,
    options: { device?: Device; maxWaitMs?: number } = {}
  ): Promise<Encoder> {
    const read = (f: string) =>
      JSON.parse(readFileSync(join(model.tokenizerDir, f), 'utf8')) as object
    const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'))
    const { session, provider } = await openSession(model.modelPath, options.device ?? 'auto')
    return new Encoder(model, provider, session, tokenizer, options.maxWaitMs ?? 2)
  }

  /** One normalised embedding per text (batched with concurrent callers). */
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return this.#batcher.pushAll(texts)
  }

  /** Token ids, cut to the model's length keeping the final [SEP]. */
  #ids(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids
    const max = this.model.config.max_sequence_length
    return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1] as number]
  }

  private async run(texts: string[]): Promise<Float32Array[]> {
    const encoded = texts.map((t) => this.#ids(t))
    const width = Math.max(...encoded.map((e) => e.length))
    const n = texts.length * width
    const ids = new BigInt64Array(n)
    const mask = new BigInt64Array(n)
    encoded.forEach((e, b) =>
      e.forEach((id, t) => {
        ids[b * width + t] = BigInt(id)
        mask[b * width + t] = 1n
      })
    )
    const shape = [texts.length, width]
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, shape),
      attention_mask: new ort.Tensor('int64', mask, shape),
    }
    if (this.session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n), shape)
    const out = await this.session.run(feeds)
    const hidden = out[this.model.config.output]
    if (!hidden) throw new Error(`model has no output ${this.model.config.output}`)
    const [b, t, h] = hidden.dims as [number, number, number]
    return meanPool(hidden.data as Float32Array, [b, t, h], mask, this.model.config.normalize)
  }

  async close(): Promise<void> {
    await this.session.release()
  }
}
