import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import type { Redis as RedisClient } from 'ioredis'

// Node's own require: both projects' global setups load this file (one through Vite's SSR
// transform, where ioredis's CommonJS exports do not resolve); one module cache serves both.
const { Redis } = createRequire(import.meta.url)('ioredis') as {
  Redis: new (url: string, options: object) => RedisClient
}
import {
  asCommand,
  asCommands,
  commandFromPath,
  encodeReply,
  normaliseCommand,
  type Command,
  type RawReply,
} from './upstash-protocol'

/** A running adapter: the REST URL and token to give `@upstash/redis`. */
export interface UpstashAdapter {
  url: string
  token: string
  port: number
  stop(): Promise<void>
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  })
  res.end(payload)
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const c of req) chunks.push(c as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  return text === '' ? undefined : (JSON.parse(text) as unknown)
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err))

/**
 * Serves Upstash's REST protocol over a real Redis, so `@upstash/redis` talks to an actual
 * server in tests and local runs. No such server ships on npm or Debian (the official one is a
 * container image), hence this small one.
 */
export async function startUpstashAdapter(options: {
  redisUrl: string
  token: string
  port?: number
}): Promise<UpstashAdapter> {
  const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 })
  const run = (cmd: Command): Promise<RawReply> => {
    const [name, ...args] = normaliseCommand(cmd)
    return redis.callBuffer(name, ...args) as Promise<RawReply>
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, { error: 'Unauthorized' })
    }
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
    const path = new URL(req.url ?? '/', 'http://adapter').pathname
    let body: unknown
    try {
      body = await readJson(req)
    } catch {
      return send(res, 400, { error: 'ERR request body is not valid JSON' })
    }

    if (path === '/pipeline' || path === '/multi-exec') {
      const cmds = asCommands(body)
      if (typeof cmds === 'string') return send(res, 400, { error: cmds })
      if (path === '/pipeline') {
        const results = await Promise.all(
          cmds.map((c) =>
            run(c).then(
              (r) => ({ result: encodeReply(r, base64) }),
              (e: unknown) => ({ error: errorText(e) })
            )
          )
        )
        return send(res, 200, results)
      }
      const multi = redis.multi()
      for (const c of cmds) {
        const [name, ...args] = normaliseCommand(c)
        multi.callBuffer(name, ...args)
      }
      try {
        const replies = (await multi.exec()) ?? []
        return send(
          res,
          200,
          replies.map(([err, r]) =>
            err ? { error: errorText(err) } : { result: encodeReply(r as RawReply, base64) }
          )
        )
      } catch (err) {
        return send(res, 400, { error: errorText(err) })
      }
    }

    const cmd = path === '/' ? asCommand(body) : (commandFromPath(path) ?? 'ERR empty command')
    if (typeof cmd === 'string') return send(res, 400, { error: cmd })
    try {
      return send(res, 200, { result: encodeReply(await run(cmd), base64) })
    } catch (err) {
      return send(res, 400, { error: errorText(err) })
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: errorText(err) }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    port,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      redis.disconnect()
    },
  }
}
