import { connect, type Socket } from 'node:net'
import { percentile } from './stats'

/** The end of a chunked HTTP/1.1 body. */
const LAST_CHUNK = '\r\n0\r\n\r\n'

/**
 * Time to first token: sequential streaming requests on one keep-alive connection, measuring
 * from writing the request to the arrival of the first body bytes that carry content. A raw
 * socket keeps the client's own overhead (HTTP parsing, stream plumbing) out of the figure; the
 * response is read to its end before the next request, so no request overlaps another.
 */
export async function timeToFirstToken(opts: {
  url: string
  body: string
  headers: Record<string, string>
  requests: number
  /** Text whose arrival counts as the first token. */
  marker?: string
}): Promise<{ p50Ms: number; p99Ms: number }> {
  const url = new URL(opts.url)
  const marker = opts.marker ?? '"content":"Hello'
  const head = Object.entries({
    host: url.host,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(opts.body)),
    ...opts.headers,
  })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  const request = `POST ${url.pathname}${url.search} HTTP/1.1\r\n${head}\r\n${opts.body}`
  const samples: number[] = []
  let socket: Socket | undefined
  for (let i = 0; i < opts.requests; i++) {
    if (!socket || socket.destroyed) {
      socket = connect(Number(url.port), url.hostname)
      socket.setNoDelay(true)
      await new Promise((resolve, reject) => {
        socket?.once('connect', resolve)
        socket?.once('error', reject)
      })
    }
    const s = socket
    const sample = await new Promise<number>((resolve, reject) => {
      let seen = ''
      let firstToken: number | undefined
      const started = performance.now()
      const finish = () => {
        s.off('data', onData)
        s.off('close', onClose)
        if (firstToken === undefined)
          reject(new Error(`no "${marker}" in the streamed response:\n${seen.slice(0, 2000)}`))
        else resolve(firstToken)
      }
      const onData = (chunk: Buffer) => {
        seen += chunk.toString('latin1')
        if (firstToken === undefined && seen.includes(marker))
          firstToken = performance.now() - started
        if (seen.endsWith(LAST_CHUNK)) finish()
      }
      const onClose = () => finish()
      s.on('data', onData)
      s.once('close', onClose)
      s.write(request)
    })
    samples.push(sample)
  }
  socket?.destroy()
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) }
}
