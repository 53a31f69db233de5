/**
 * Fault injection for the mock provider. A fault comes from the `x-mock-fault` request header,
 * or from a scripted queue that tests fill through `POST /__mock/script` (so faults reach the
 * mock even through a gateway that does not forward client headers).
 */

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'cut'; afterChunks: number }
  | { kind: 'malformed' }
  | { kind: 'latency'; ms: number }
  | { kind: 'slow'; chunkDelayMs: number }
  | { kind: 'stall'; afterChunks: number }

/**
 * Parses a fault spec: `status:503` (`status:429:2` adds Retry-After: 2), `timeout`, `reset`,
 * `cut:3` (drop the connection after 3 stream frames), `stall:3` (send 3 frames, then nothing),
 * `slow:200` (200 ms between stream frames), `malformed`, `latency:250`. Returns an error
 * string for anything else so a typo in a test fails loudly.
 */
export function parseFault(spec: string): Fault | { error: string } {
  const [name, arg, extra] = spec.trim().split(':', 3)
  const n = arg === undefined ? NaN : Number(arg)
  switch (name) {
    case 'status': {
      if (!Number.isInteger(n) || n < 400 || n > 599)
        return { error: `status fault needs a 4xx/5xx code, got "${arg ?? ''}"` }
      if (extra === undefined) return { kind: 'status', status: n }
      const retryAfter = Number(extra)
      return Number.isInteger(retryAfter) && retryAfter >= 0
        ? { kind: 'status', status: n, retryAfter }
        : { error: `status fault's Retry-After must be whole seconds, got "${extra}"` }
    }
    case 'timeout':
      return { kind: 'timeout' }
    case 'reset':
      return { kind: 'reset' }
    case 'malformed':
      return { kind: 'malformed' }
    case 'cut':
      return Number.isInteger(n) && n >= 0
        ? { kind: 'cut', afterChunks: n }
        : { error: `cut fault needs a chunk count, got "${arg ?? ''}"` }
    case 'stall':
      return Number.isInteger(n) && n >= 0
        ? { kind: 'stall', afterChunks: n }
        : { error: `stall fault needs a chunk count, got "${arg ?? ''}"` }
    case 'slow':
      return Number.isFinite(n) && n >= 0
        ? { kind: 'slow', chunkDelayMs: n }
        : { error: `slow fault needs milliseconds, got "${arg ?? ''}"` }
    case 'latency':
      return Number.isFinite(n) && n >= 0
        ? { kind: 'latency', ms: n }
        : { error: `latency fault needs milliseconds, got "${arg ?? ''}"` }
    default:
      return { error: `unknown fault "${spec}"` }
  }
}

/**
 * A FIFO of scripted faults; each request takes at most one. A fault may be scoped to one model
 * name, so tests running in parallel against one mock do not take each other's faults.
 */
export class FaultScript {
  #queue: { fault: Fault; model?: string | undefined }[] = []

  push(faults: Fault[], model?: string): void {
    this.#queue.push(...faults.map((fault) => ({ fault, model })))
  }

  take(model?: string): Fault | undefined {
    const i = this.#queue.findIndex((f) => f.model === undefined || f.model === model)
    return i === -1 ? undefined : this.#queue.splice(i, 1)[0]?.fault
  }

  clear(): void {
    this.#queue = []
  }

  get pending(): number {
    return this.#queue.length
  }
}
