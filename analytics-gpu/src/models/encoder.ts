import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { MicroBatcher } from './batcher'
import type { RepositoryModel } from './config'
import { normalise } from './pooling'
import type { Device } from './session'
import { SessionPool } from './pool'
import type { Feed } from './worker-session'
import { splitWords, windowWords, type Word } from './words'

/** One text through the encoder: its sentence embedding and a state per word. */
export interface Encoded {
  /** Pooled over every window of the text, normalised when the model says so. */
  embedding: Float32Array
  /** The words the model saw (a very long text is cut after `max_windows` windows). */
  words: Word[]
  /** The state of each word's first piece, aligned with `words` (hidden width each). */
  states: Float32Array[]
}

/** One model input: a window of whole words between the special tokens. */
interface Window {
  ids: number[]
  /** Sequence position of each word's first piece (-1: the word has no piece). */
  firstPiece: number[]
}
interface WindowOut {
  sum: Float32Array
  count: number
  cls: Float32Array
  states: Float32Array[]
}

/** Padded tokens per model call: measured fastest on CPU at 512-1024 (caches), so short texts
 * batch widely and long windows go in small groups. */
const MAX_BATCH_TOKENS = 512

/** Texts remembered by default (least recently used dropped first), up to this length each. */
const RECENT_TEXTS = 2048
const RECENT_MAX_CHARS = 8192

/** Word-to-pieces cache: gateway traffic repeats its vocabulary. */
const CACHE_LIMIT = 50_000

/**
 * A sentence encoder from the model repository: tokenises with the model's own tokenizer.json
 * (@huggingface/tokenizers, offline) word by word so every token state maps back to the text,
 * runs the ONNX graph (onnxruntime-node) over micro-batches of windows, and returns the
 * pooled embedding and per-word states. Every head shares this one pass per text.
 */
export class Encoder {
  readonly #batcher: MicroBatcher<Window, WindowOut>
  readonly #pieces = new Map<string, number[]>()
  readonly #recent = new Map<string, Promise<Encoded>>()
  readonly #cls: number[]
  readonly #sep: number[]

  private constructor(
    readonly model: RepositoryModel,
    readonly provider: 'cuda' | 'cpu',
    private readonly session: SessionPool,
    private readonly tokenizer: Tokenizer,
    maxWaitMs: number,
    private readonly remember: number
  ) {
    // What the tokenizer wraps around any text ([CLS] ... [SEP] for BERT).
    const empty = tokenizer.encode('').ids
    this.#cls = empty.slice(0, 1)
    this.#sep = empty.slice(1)
    this.#batcher = new MicroBatcher<Window, WindowOut>((w) => this.run(w), {
      maxBatch: model.config.max_batch_size,
      maxWaitMs,
      // One batch computing on each worker, the next already posted: no worker idles.
      maxConcurrent: 2 * session.size,
    })
  }

  static async load(
    model: RepositoryModel,
    options: {
      device?: Device
      threads?: number | undefined
      /** Sessions side by side on the CPU (default: see planSessions). */
      workers?: number | undefined
      maxWaitMs?: number
      /** How many recent texts to remember (0: none). */
      rememberTexts?: number | undefined
    } = {}
  ): Promise<Encoder> {
    const tokenizer = loadTokenizer(model.tokenizerDir)
    const session = await SessionPool.open(model.modelPath, options.device ?? 'auto', {
      threads: options.threads,
      workers: options.workers,
    })
    return new Encoder(
      model,
      session.provider,
      session,
      tokenizer,
      options.maxWaitMs ?? 2,
      options.rememberTexts ?? RECENT_TEXTS
    )
  }

  get dims(): number {
    return this.model.config.dims ?? 384
  }

  /** One normalised embedding per text (batched with concurrent callers). */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return (await Promise.all(texts.map((t) => this.encode(t)))).map((e) => e.embedding)
  }

  /**
   * The embedding and per-word states of one text. Recent texts are remembered: gateway traffic
   * repeats its system prompts and templates in every request, and those pay the model once.
   */
  encode(text: string): Promise<Encoded> {
    const hit = this.#recent.get(text)
    if (hit) {
      this.#recent.delete(text)
      this.#recent.set(text, hit)
      return hit
    }
    const encoded = this.#encode(text)
    if (this.remember > 0 && text.length <= RECENT_MAX_CHARS) {
      this.#recent.set(text, encoded)
      if (this.#recent.size > this.remember)
        this.#recent.delete(this.#recent.keys().next().value as string)
      encoded.catch(() => this.#recent.delete(text))
    }
    return encoded
  }

  async #encode(text: string): Promise<Encoded> {
    const all = splitWords(text)
    const pieces = all.map((w) => this.#wordPieces(w.text))
    const { max_sequence_length: maxLen, max_windows: maxWindows } = this.model.config
    const room = maxLen - this.#cls.length - this.#sep.length
    const windows = windowWords(
      pieces.map((p) => p.length),
      room,
      maxWindows
    )
    const inputs = windows.map(({ first, end }): Window => {
      const ids = [...this.#cls]
      const firstPiece: number[] = []
      for (let i = first; i < end; i++) {
        const p = (pieces[i] as number[]).slice(0, room - (ids.length - this.#cls.length))
        firstPiece.push(p.length ? ids.length : -1)
        ids.push(...p)
      }
      ids.push(...this.#sep)
      return { ids, firstPiece }
    })
    const outs = await this.#batcher.pushAll(inputs)
    const width = this.dims
    const embedding = new Float32Array(width)
    if (this.model.config.pooling === 'cls') embedding.set((outs[0] as WindowOut).cls)
    else {
      let count = 0
      for (const o of outs) {
        for (let h = 0; h < width; h++)
          embedding[h] = (embedding[h] as number) + (o.sum[h] as number)
        count += o.count
      }
      for (let h = 0; h < width; h++) embedding[h] = (embedding[h] as number) / (count || 1)
    }
    if (this.model.config.normalize) normalise(embedding)
    const seen = windows.at(-1)?.end ?? 0
    return { embedding, words: all.slice(0, seen), states: outs.flatMap((o) => o.states) }
  }

  #wordPieces(word: string): number[] {
    let ids = this.#pieces.get(word)
    if (!ids) {
      ids = this.tokenizer.encode(word, { add_special_tokens: false }).ids
      if (this.#pieces.size >= CACHE_LIMIT) this.#pieces.clear()
      this.#pieces.set(word, ids)
    }
    return ids
  }

  /**
   * One micro-batch, run as sub-batches of similar lengths: padding a batch of short texts to
   * its one long window would multiply the work (attention grows with the square of width).
   */
  private async run(windows: Window[]): Promise<WindowOut[]> {
    const order = windows.map((w, i) => ({ w, i })).sort((a, b) => a.w.ids.length - b.w.ids.length)
    const out = new Array<WindowOut>(windows.length)
    let group: typeof order = []
    const flush = async () => {
      const res = await this.runPadded(group.map((g) => g.w))
      group.forEach((g, k) => (out[g.i] = res[k] as WindowOut))
      group = []
    }
    for (const item of order) {
      const width = item.w.ids.length
      if (group.length && (group.length + 1) * width > MAX_BATCH_TOKENS) await flush()
      group.push(item)
    }
    if (group.length) await flush()
    return out
  }

  private async runPadded(windows: Window[]): Promise<WindowOut[]> {
    const width = Math.max(...windows.map((w) => w.ids.length))
    const n = windows.length * width
    const ids = new BigInt64Array(n)
    const mask = new BigInt64Array(n)
    windows.forEach((w, b) =>
      w.ids.forEach((id, t) => {
        ids[b * width + t] = BigInt(id)
        mask[b * width + t] = 1n
      })
    )
    const dims = [windows.length, width]
    const feeds: Record<string, Feed> = {
      input_ids: { data: ids, dims },
      attention_mask: { data: mask, dims },
    }
    if (this.session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = { data: new BigInt64Array(n), dims }
    const hidden = await this.session.run(feeds, this.model.config.output)
    const [, tokens, h] = hidden.dims as [number, number, number]
    const data = hidden.data
    return windows.map((w, b) => {
      const at = (t: number) => data.subarray((b * tokens + t) * h, (b * tokens + t + 1) * h)
      const sum = new Float32Array(h)
      for (let t = 0; t < w.ids.length; t++) {
        const s = at(t)
        for (let k = 0; k < h; k++) sum[k] = (sum[k] as number) + (s[k] as number)
      }
      return {
        sum,
        count: w.ids.length,
        cls: at(0).slice(),
        states: w.firstPiece.map((p) => (p < 0 ? new Float32Array(h) : at(p).slice())),
      }
    })
  }

  async close(): Promise<void> {
    await this.session.close()
  }
}

/** A repository model's tokenizer, from its tokenizer.json and tokenizer_config.json. */
export function loadTokenizer(dir: string): Tokenizer {
  const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as object
  return new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'))
}
