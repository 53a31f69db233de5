import { percentile } from './stats'

/**
 * Time to first token: sequential streaming requests, measuring from send to the first body
 * chunk that carries content. Sequential on purpose: it isolates the gateway's added delay.
 */
export async function timeToFirstToken(opts: {
  url: string
  body: string
  headers: Record<string, string>
  requests: number
}): Promise<{ p50Ms: number; p99Ms: number }> {
  const samples: number[] = []
  for (let i = 0; i < opts.requests; i++) {
    const started = performance.now()
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.body,
    })
    if (!res.ok || !res.body)
      throw new Error(`TTFT request failed: ${res.status} ${await res.text()}`)
    const decoder = new TextDecoder()
    let seen = ''
    // Breaking out of the loop cancels the rest of the body.
    for await (const value of res.body as unknown as AsyncIterable<Uint8Array>) {
      seen += decoder.decode(value, { stream: true })
      if (seen.includes('"content":"Hello')) {
        samples.push(performance.now() - started)
        break
      }
    }
  }
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) }
}
