// @ts-check
/**
 * One ONNX session on a worker thread. onnxruntime-node runs inference synchronously on the
 * calling thread, so a session on the main thread would stop the event loop for every batch:
 * no HTTP, no health checks, no ingestion work while the model runs. Here the main thread only
 * posts input tensors and receives outputs (buffers transferred, not copied).
 *
 * workerData: { path, providers: ('cuda' | 'cpu')[], threads }. Providers are tried in order:
 * onnxruntime-node throws at creation when CUDA's libraries are absent instead of falling back.
 * Plain JavaScript so it starts the same under node, tsx and vitest.
 */
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

/**
 * @typedef {{ path: string, providers: ('cuda' | 'cpu')[], threads: number }} Setup
 * @typedef {{ data: BigInt64Array, dims: number[] }} Feed
 * @typedef {{ type: 'close' } | { type?: undefined, id: number, feeds: Record<string, Feed>, output: string }} Request
 */
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
// workerData is `any` in Node's types; the shape is WorkerSession's to keep.
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
const setup = /** @type {Setup} */ (workerData)
const { path, providers, threads } = setup

/** @type {ort.InferenceSession | undefined} */
let session
/** @type {string | undefined} */
let provider
/** @type {string | undefined} */
let cudaError
for (const p of providers) {
  try {
    session = await ort.InferenceSession.create(path, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: [p],
    })
    provider = p
    break
  } catch (err) {
    if (p !== 'cuda') throw err
    cudaError = String(err).split('\n')[0]
  }
}
if (!session) throw new Error(`CUDA was required but is unavailable: ${String(cudaError)}`)
const live = session

port.postMessage({
  type: 'ready',
  provider,
  cudaError,
  inputNames: live.inputNames,
  outputNames: live.outputNames,
})

/** @param {Request} msg */
async function handle(msg) {
  if (msg.type === 'close') {
    await live.release()
    port.close()
    return
  }
  try {
    /** @type {Record<string, ort.Tensor>} */
    const feeds = {}
    for (const [name, t] of Object.entries(msg.feeds))
      feeds[name] = new ort.Tensor('int64', t.data, t.dims)
    const out = (await live.run(feeds))[msg.output]
    if (!out) throw new Error(`model has no output ${msg.output}`)
    const data = /** @type {Float32Array} */ (out.data).slice()
    port.postMessage({ id: msg.id, data, dims: out.dims }, [data.buffer])
  } catch (err) {
    port.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) })
  }
}

port.on('message', (/** @type {Request} */ msg) => void handle(msg))
