/**
 * Micro-batching: calls made within `maxWaitMs` of each other (up to `maxBatch`) run as one
 * batch, so a model sees a few large inputs instead of many small ones. Each caller gets its
 * own result; a failed batch fails each of its callers. Pure scheduling, no model knowledge.
 */
export class MicroBatcher<I, O> {
  #queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = []
  #timer: ReturnType<typeof setTimeout> | undefined
  #running = 0

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { maxBatch: number; maxWaitMs: number; maxConcurrent?: number }
  ) {
    if (options.maxBatch < 1) throw new RangeError('maxBatch must be at least 1')
  }

  push(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject })
      if (this.#queue.length >= this.options.maxBatch) this.#flush()
      else this.#timer ??= setTimeout(() => this.#flush(), this.options.maxWaitMs)
    })
  }

  pushAll(items: readonly I[]): Promise<O[]> {
    return Promise.all(items.map((i) => this.push(i)))
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#running >= (this.options.maxConcurrent ?? 1)) {
      // Busy: the next finished batch flushes again.
      return
    }
    const batch = this.#queue.splice(0, this.options.maxBatch)
    if (!batch.length) return
    this.#running++
    this.run(batch.map((b) => b.item))
      .then(
        (out) => {
          if (out.length !== batch.length)
            throw new Error(`batch of ${batch.length} answered ${out.length}`)
          batch.forEach((b, i) => b.resolve(out[i] as O))
        },
        (err: unknown) => {
          throw err
        }
      )
      .catch((err: unknown) => batch.forEach((b) => b.reject(err)))
      .finally(() => {
        this.#running--
        if (this.#queue.length) this.#flush()
      })
  }
}
