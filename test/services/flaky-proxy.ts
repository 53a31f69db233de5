import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * An HTTP proxy in front of a real server (s3rver) that fails a share of the writes it relays:
 * PUTs answered 503 without reaching the target, or connections dropped. Its own control path
 * `POST /__faults {"putFailureRate": 0.3, "reset": 0.1}` sets the shares; `GET /__faults` reads
 * how many writes were failed and passed.
 */
export interface FlakyProxy {
  url: string
  stop(): Promise<void>
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const to = new URL(target)
  const faults = { putFailureRate: 0, reset: 0 }
  const counts = { failed: 0, passed: 0 }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/__faults') {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        if (req.method === 'POST') Object.assign(faults, JSON.parse(body || '{}'))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ...faults, ...counts }))
      })
      return
    }
    if (req.method === 'PUT') {
      const roll = Math.random()
      if (roll < faults.reset) {
        counts.failed++
        req.socket.destroy()
        return
      }
      if (roll < faults.reset + faults.putFailureRate) {
        counts.failed++
        req.resume()
        res.writeHead(503, { 'content-type': 'application/xml' })
        res.end('<Error><Code>SlowDown</Code><Message>injected</Message></Error>')
        return
      }
      counts.passed++
    }
    const upstream = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
