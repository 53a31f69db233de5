import { Worker } from 'node:worker_threads'
import { cudaProviderInstalled, type Device } from './session'

export interface Feed {
  data: BigInt64Array
  dims: number[]
}
export interface Output {
  data: Float32Array
  dims: number[]
}

interface Ready {
  type: 'ready'
  provider: 'cuda' | 'cpu'
  cudaError?: string
  inputNames: string[]
  outputNames: string[]
}
type Reply = { id: number; data: Float32Array; dims: number[] } | { id: number; error: string }

const WORKER = new URL('./inference-worker.mjs', import.meta.url)

/**
 * An ONNX session running on its own worker thread (see inference-worker.mjs), so inference
 * never blocks the event loop. CUDA when asked for (or with `auto`, when its provider library
 * is installed), the CPU otherwise. A worker that dies fails its pending runs and is started
 * again on the next run.
 */
export class WorkerSession {
  #worker: Worker | undefined
  #ready: Promise<Ready> | undefined
  #next = 0
  #waiting = 0
  #closed = false
  readonly #pending = new Map<
    number,
    { resolve: (o: Output) => void; reject: (e: Error) => void }
  >()

  private constructor(
    private readonly path: string,
    private readonly providers: ('cuda' | 'cpu')[],
    private readonly threads: number,
    readonly provider: 'cuda' | 'cpu',
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[]
  ) {}

  static async open(path: string, device: Device = 'auto', threads = 1) {
    const providers: ('cuda' | 'cpu')[] =
      device === 'cuda'
        ? ['cuda']
        : device === 'auto' && cudaProviderInstalled()
          ? ['cuda', 'cpu']
          : ['cpu']
    const probe = spawn(path, providers, threads)
    const ready = await probe.ready
    const s = new WorkerSession(
      path,
      [ready.provider],
      threads,
      ready.provider,
      ready.inputNames,
      ready.outputNames
    )
    s.#adopt(probe.worker, probe.ready)
    return s
  }

  #adopt(worker: Worker, ready: Promise<Ready>): void {
    this.#worker = worker
    this.#ready = ready
    worker.on('message', (m: Reply | Ready) => {
      if (!('id' in m)) return
      const p = this.#pending.get(m.id)
      this.#pending.delete(m.id)
      if ('error' in m) p?.reject(new Error(m.error))
      else p?.resolve({ data: m.data, dims: m.dims })
    })
    const fail = (err: Error) => {
      for (const p of this.#pending.values()) p.reject(err)
      this.#pending.clear()
      if (this.#worker === worker) this.#worker = undefined
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`inference worker exited (code ${code})`)))
  }

  /** Runs asked for and not yet answered (counted from the call, so a pool can balance). */
  get inFlight(): number {
    return this.#waiting
  }

  async run(feeds: Record<string, Feed>, output: string): Promise<Output> {
    this.#waiting++
    try {
      return await this.#run(feeds, output)
    } finally {
      this.#waiting--
    }
  }

  async #run(feeds: Record<string, Feed>, output: string): Promise<Output> {
    if (this.#closed) throw new Error('inference session is closed')
    if (!this.#worker) {
      const w = spawn(this.path, this.providers, this.threads)
      this.#adopt(w.worker, w.ready)
    }
    await this.#ready
    const worker = this.#worker
    if (!worker)
      throw new Error(this.#closed ? 'inference session is closed' : 'inference worker exited')
    const id = this.#next++
    return new Promise<Output>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject })
      worker.postMessage(
        { id, feeds, output },
        Object.values(feeds).map((f) => f.data.buffer as ArrayBuffer)
      )
    })
  }

  /** Stops the worker; runs still in flight fail, later runs are refused. */
  async close(): Promise<void> {
    this.#closed = true
    const worker = this.#worker
    this.#worker = undefined
    if (!worker) return
    const exited = new Promise((r) => worker.once('exit', r))
    worker.postMessage({ type: 'close' })
    await exited
  }
}

function spawn(path: string, providers: ('cuda' | 'cpu')[], threads: number) {
  const worker = new Worker(WORKER, { workerData: { path, providers, threads } })
  const ready = new Promise<Ready>((resolve, reject) => {
    const onMessage = (m: Ready | Reply) => {
      if ('type' in m && m.type === 'ready') {
        worker.off('error', reject)
        resolve(m)
      }
    }
    worker.on('message', onMessage)
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`inference worker exited (code ${code})`)))
  })
  return { worker, ready }
}
