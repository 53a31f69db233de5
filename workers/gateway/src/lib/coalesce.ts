/**
 * Gathers fire-and-forget work items from concurrent requests into one call per key and short
 * window. The request that opens a batch is its leader: it keeps the batch alive with its own
 * waitUntil, waits `lingerMs`, and sends everything gathered. Later requests only add an item
 * (plain data, no promise and no I/O object crosses from one request to another, which Workers
 * forbid). The items are as safe as the leader's own: the isolate lives until its waitUntil ends.
 */
export class Coalescer<T> {
  readonly #open = new Map<string, T[]>()

  constructor(
    private readonly lingerMs: number,
    private readonly maxItems: number
  ) {}

  /**
   * Adds `item` to the open batch for `key`, or opens one. Returns the promise the leader must
   * hand to waitUntil, or undefined when the item joined a batch led by another request.
   */
  add(key: string, item: T, send: (items: T[]) => Promise<void>): Promise<void> | undefined {
    const open = this.#open.get(key)
    if (open && open.length < this.maxItems) {
      open.push(item)
      if (open.length === this.maxItems) this.#open.delete(key)
      return undefined
    }
    const batch = [item]
    this.#open.set(key, batch)
    return new Promise<void>((resolve) => setTimeout(resolve, this.lingerMs)).then(() => {
      if (this.#open.get(key) === batch) this.#open.delete(key)
      return send(batch)
    })
  }
}
