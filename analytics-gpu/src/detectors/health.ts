/**
 * Detector health as the dashboard shows it: calls, findings, failures and recent latency per
 * detector, measured where the detectors run (ingestion and POST /v1/detect alike). Latency is
 * kept as the last `SAMPLES` timings, so the percentiles follow the present, not the boot.
 */
const SAMPLES = 512

interface Tally {
  calls: number
  findings: number
  errors: number
  lastError?: { message: string; at: string }
  ring: Float64Array
  filled: number
  next: number
}

export interface DetectorStats {
  calls: number
  findings: number
  errors: number
  lastError?: { message: string; at: string }
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null
}

export class DetectorHealth {
  readonly #tallies = new Map<string, Tally>()

  #tally(id: string): Tally {
    let t = this.#tallies.get(id)
    if (!t) {
      t = { calls: 0, findings: 0, errors: 0, ring: new Float64Array(SAMPLES), filled: 0, next: 0 }
      this.#tallies.set(id, t)
    }
    return t
  }

  record(id: string, ms: number, findings: number): void {
    const t = this.#tally(id)
    t.calls++
    t.findings += findings
    t.ring[t.next] = ms
    t.next = (t.next + 1) % SAMPLES
    t.filled = Math.min(t.filled + 1, SAMPLES)
  }

  failed(id: string, err: unknown): void {
    const t = this.#tally(id)
    t.calls++
    t.errors++
    t.lastError = { message: String((err as Error)?.message ?? err), at: new Date().toISOString() }
  }

  /**
   * Runs `fn`, timing it under `id` (an array result counts as findings); throws are counted.
   * A synchronous `fn` is timed as it runs, so work queued behind it is not charged to it; an
   * asynchronous one until it settles (waiting for its micro-batch included).
   */
  async time<T>(id: string, fn: () => Promise<T> | T): Promise<T> {
    const started = performance.now()
    const done = (out: T) => {
      this.record(id, performance.now() - started, Array.isArray(out) ? out.length : 0)
      return out
    }
    try {
      const out = fn()
      return out instanceof Promise ? done(await out) : done(out)
    } catch (err) {
      this.failed(id, err)
      throw err
    }
  }

  stats(id: string): DetectorStats {
    const t = this.#tallies.get(id)
    if (!t) return { calls: 0, findings: 0, errors: 0, latencyMs: null }
    const sorted = Array.from(t.ring.subarray(0, t.filled)).sort((a, b) => a - b)
    const at = (q: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 1000) /
      1000
    return {
      calls: t.calls,
      findings: t.findings,
      errors: t.errors,
      ...(t.lastError ? { lastError: t.lastError } : {}),
      latencyMs: sorted.length ? { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) } : null,
    }
  }
}
