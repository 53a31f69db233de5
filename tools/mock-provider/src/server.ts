import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Dialect } from './dialects/types'
import { isRecord } from './dialects/types'
import { FaultScript, parseFault, type Fault } from './faults'
import { MOCK_MODELS, matchRoute } from './routes'
import { sendJson } from './http'
import { buildReply, embeddings } from './reply'

/** Options of a mock provider instance. Every field has a default suited to tests. */
export interface MockProviderOptions {
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Delay before the response (or first chunk) is sent. */
  latencyMs?: number
  /** Delay between streamed chunks. */
  chunkDelayMs?: number
  /** Every Nth completion request fails with `failWith` (deterministic, unlike a rate). */
  failEvery?: number
  failWith?: Fault
  /** Largest body accepted. */
  maxBodyBytes?: number
}

/** A request as the mock received it, kept for tests to inspect. */
export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
}

export interface MockProvider {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:8790`. */
  readonly url: string
  readonly port: number
  readonly script: FaultScript
  readonly stats: { requests: number; completions: number; faults: number }
  readonly requests: RecordedRequest[]
  close(): Promise<void>
}

const RECORD_LIMIT = 100

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limit) return 'too_large'
    chunks.push(buf)
  }
  return Buffer.concat(chunks)
}

/** Starts a mock provider on loopback and resolves once it is listening. */
export async function startMockProvider(options: MockProviderOptions = {}): Promise<MockProvider> {
  const host = options.host ?? '127.0.0.1'
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024
  const script = new FaultScript()
  const stats = { requests: 0, completions: 0, faults: 0 }
  const requests: RecordedRequest[] = []
  let replyCounter = 0

  function pickFault(req: IncomingMessage, model: string): Fault | { error: string } | undefined {
    const header = req.headers['x-mock-fault']
    if (typeof header === 'string' && header !== '') return parseFault(header)
    const scripted = script.take(model)
    if (scripted) return scripted
    if (options.failEvery && options.failWith && stats.completions % options.failEvery === 0) {
      return options.failWith
    }
    return undefined
  }

  async function completion(
    req: IncomingMessage,
    res: ServerResponse,
    dialect: Dialect,
    body: unknown,
    url: URL
  ): Promise<void> {
    stats.completions++
    const parsed = dialect.readRequest(body, url)
    if ('error' in parsed) return sendJson(res, 400, dialect.error(400, parsed.error))
    const fault = pickFault(req, parsed.model)
    if (fault && 'error' in fault) return sendJson(res, 400, dialect.error(400, fault.error))
    if (fault) stats.faults++

    const latency = Number(req.headers['x-mock-latency-ms'] ?? options.latencyMs ?? 0)
    const extra = fault?.kind === 'latency' ? fault.ms : 0
    if (latency + extra > 0) await sleep(latency + extra)

    switch (fault?.kind) {
      case 'status':
        if (fault.retryAfter !== undefined) res.setHeader('retry-after', String(fault.retryAfter))
        return sendJson(res, fault.status, dialect.error(fault.status, `injected ${fault.status}`))
      case 'timeout':
        // Hold the socket open without answering until the client gives up.
        return new Promise((resolve) => res.on('close', resolve))
      case 'reset':
        req.socket.destroy()
        return
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('{"id": "truncated", "choices": [')
        return
    }

    const reply = buildReply(parsed, ++replyCounter, dialect)
    if (!parsed.stream) return sendJson(res, 200, dialect.completion(reply, parsed))
    await stream(req, res, dialect.streamFrames(reply, parsed), fault)
  }

  async function stream(
    req: IncomingMessage,
    res: ServerResponse,
    frames: string[],
    fault: Fault | undefined
  ): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    const cutAt = fault?.kind === 'cut' ? fault.afterChunks : Infinity
    const stallAt = fault?.kind === 'stall' ? fault.afterChunks : Infinity
    const chunkDelay =
      fault?.kind === 'slow'
        ? fault.chunkDelayMs
        : Number(req.headers['x-mock-chunk-delay-ms'] ?? options.chunkDelayMs ?? 0)
    for (let i = 0; i < frames.length; i++) {
      if (i === cutAt) {
        // A cut stream: the connection drops mid-response, as a crashing upstream does.
        req.socket.destroy()
        return
      }
      if (i === stallAt) {
        // A stalled stream: the connection stays open and silent until the client gives up.
        return new Promise((resolve) => res.on('close', resolve))
      }
      if (i > 0 && chunkDelay > 0) await sleep(chunkDelay)
      if (res.destroyed) return
      // Wait for each frame to reach the socket, so a later cut drops only what follows it.
      await new Promise<void>((resolve) => res.write(frames[i], () => resolve()))
    }
    res.end()
  }

  function control(action: string, req: IncomingMessage, res: ServerResponse, body: unknown) {
    if (action === 'stats') return sendJson(res, 200, { ...stats, pendingFaults: script.pending })
    if (action === 'requests') return sendJson(res, 200, { requests })
    if (action === 'reset') {
      script.clear()
      requests.length = 0
      Object.assign(stats, { requests: 0, completions: 0, faults: 0 })
      return sendJson(res, 200, { ok: true })
    }
    // script
    if (req.method === 'DELETE') {
      script.clear()
      return sendJson(res, 200, { pending: 0 })
    }
    const specs = isRecord(body) && Array.isArray(body.faults) ? body.faults : undefined
    if (!specs) {
      return sendJson(res, 400, {
        error: 'body must be {"faults": ["status:503", ...], "model"?: "only-this-model"}',
      })
    }
    const faults: Fault[] = []
    for (const spec of specs) {
      const fault = typeof spec === 'string' ? parseFault(spec) : { error: 'faults are strings' }
      if ('error' in fault) return sendJson(res, 400, { error: fault.error })
      faults.push(fault)
    }
    const model = isRecord(body) && typeof body.model === 'string' ? body.model : undefined
    script.push(faults, model)
    return sendJson(res, 200, { pending: script.pending })
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    stats.requests++
    const url = new URL(req.url ?? '/', `http://${host}`)
    const route = matchRoute(req.method ?? 'GET', url.pathname)
    if (!route)
      return sendJson(res, 404, { error: { message: `no route ${req.method} ${url.pathname}` } })

    const raw = await readBody(req, maxBody)
    if (raw === 'too_large') return sendJson(res, 413, { error: { message: 'body too large' } })
    let body: unknown = undefined
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch {
        const dialect = route.kind === 'completion' ? route.dialect : undefined
        const message = 'request body is not valid JSON'
        return sendJson(res, 400, dialect ? dialect.error(400, message) : { error: { message } })
      }
    }
    if (route.kind !== 'control' && route.kind !== 'health') {
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        headers: req.headers,
        body,
      })
      if (requests.length > RECORD_LIMIT) requests.shift()
    }

    switch (route.kind) {
      case 'health':
        return sendJson(res, 200, { status: 'ok' })
      case 'models':
        return sendJson(res, 200, {
          object: 'list',
          data: MOCK_MODELS.map((id) => ({
            id,
            object: 'model',
            created: 0,
            owned_by: 'trueport-mock',
          })),
        })
      case 'embeddings':
        return embeddings(res, body)
      case 'control':
        return control(route.action, req, res, body)
      case 'completion':
        return completion(req, res, route.dialect, body, url)
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(err) } })
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 65_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  return {
    url: `http://${host}:${port}`,
    port,
    script,
    stats,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
