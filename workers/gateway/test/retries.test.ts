import { beforeAll, describe, expect, it } from 'vitest'
import { newTenant, scriptFaults, askChat } from './helpers'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

const ask = (model: string, stream = false) => askChat(key, model, stream)

// mock-retry* retries twice (50 ms base, 200 ms cap, Retry-After honoured up to 1.5 s).
describe('retries on one target', () => {
  it('retries 503s with backoff until one succeeds', async () => {
    const model = 'mock-retry-503'
    await scriptFaults(model, 'status:503', 'status:503')
    const r = await ask(model)
    expect(r).toMatchObject({ status: 200, attempts: '3' })
  })

  it('retries timeouts and connection resets', async () => {
    const model = 'mock-retry-reset'
    await scriptFaults(model, 'reset', 'status:502')
    expect(await ask(model)).toMatchObject({ status: 200, attempts: '3' })
  })

  it('gives up after its attempts with the last failure', async () => {
    const model = 'mock-retry-exhausted'
    await scriptFaults(model, 'status:500', 'status:500', 'status:500', 'status:500')
    expect(await ask(model)).toMatchObject({ status: 502, code: 'upstream_error', attempts: '3' })
    // The fourth fault was still queued: exactly three requests were sent.
    expect(await ask(model)).toMatchObject({ status: 200, attempts: '2' })
  })

  it("waits at least the provider's Retry-After", async () => {
    const model = 'mock-retry-after'
    await scriptFaults(model, 'status:429:1')
    const r = await ask(model)
    expect(r).toMatchObject({ status: 200, attempts: '2' })
    expect(r.ms).toBeGreaterThanOrEqual(1000)
  })

  it('does not wait out a Retry-After beyond its limit, and passes it on', async () => {
    const model = 'mock-retry-after-long'
    await scriptFaults(model, 'status:429:30')
    const r = await ask(model)
    expect(r).toMatchObject({ status: 429, code: 'rate_limited', retryAfter: '30' })
    expect(r.ms).toBeLessThan(1000)
  })

  it('never retries a client mistake', async () => {
    const model = 'mock-retry-400'
    await scriptFaults(model, 'status:400', 'status:400')
    expect(await ask(model)).toMatchObject({ status: 400 })
    expect(await ask(model)).toMatchObject({ status: 400 })
    expect(await ask(model)).toMatchObject({ status: 200 })
  })
})

// mock-deadline*: 300 ms per attempt, 800 ms in all, up to 5 retries.
describe('timeouts', () => {
  it('bounds every attempt and the whole request', async () => {
    const model = 'mock-deadline-1'
    await scriptFaults(model, 'timeout', 'timeout', 'timeout', 'timeout', 'timeout', 'timeout')
    const r = await ask(model)
    expect(r).toMatchObject({ status: 504, code: 'upstream_timeout' })
    expect(r.text).toContain('800 ms')
    expect(r.ms).toBeGreaterThanOrEqual(750)
    expect(r.ms).toBeLessThan(1500)
  })

  it('a slow first attempt is abandoned for a quick second one', async () => {
    const model = 'mock-deadline-2'
    await scriptFaults(model, 'latency:1000')
    const r = await ask(model)
    expect(r).toMatchObject({ status: 200, attempts: '2' })
    expect(r.ms).toBeLessThan(800)
  })
})

// mock-idle*: 300 ms to the headers, then at most 400 ms of silence between chunks.
describe('streams', () => {
  it('a stream that keeps flowing runs past the attempt timeout', async () => {
    const model = 'mock-idle-slow'
    await scriptFaults(model, 'slow:150')
    const r = await ask(model, true)
    expect(r.status).toBe(200)
    expect(r.ms).toBeGreaterThan(600)
    expect(r.text).toContain('data: [DONE]')
    expect(r.text).not.toContain('"error"')
  })

  it('a stalled stream is ended with an error event after its idle limit', async () => {
    const model = 'mock-idle-stall'
    await scriptFaults(model, 'stall:2')
    const r = await ask(model, true)
    expect(r.status).toBe(200)
    expect(r.text).toContain('stalled')
    expect(r.text).not.toContain('[DONE]')
    expect(r.ms).toBeGreaterThanOrEqual(380)
    expect(r.ms).toBeLessThan(2000)
  })

  it('a stream is retried only before its first byte', async () => {
    const model = 'mock-retry-stream'
    await scriptFaults(model, 'status:503', 'cut:2')
    const r = await ask(model, true)
    // The 503 was retried; the cut came after the stream had started, so it is not.
    expect(r).toMatchObject({ status: 200, attempts: '2' })
    expect(r.text).toContain('"code":"upstream_error"')
  })
})

describe('load balancing', () => {
  it('spreads a pool by weight (3:1)', async () => {
    const served = { a: 0, b: 0 }
    for (let i = 0; i < 200; i++) {
      const r = await ask('mock-pool-1')
      expect(r.status).toBe(200)
      served[r.model === 'mock-pool-served-by-a' ? 'a' : 'b']++
    }
    // Expected 150 : 50; the binomial sd is about 6.
    expect(served.a).toBeGreaterThan(120)
    expect(served.a).toBeLessThan(180)
  })

  it('fails over within the pool', async () => {
    // Member a fails once; whenever it goes first the request moves on to b.
    await scriptFaults('mock-pool-served-by-a', 'status:503')
    let r = await ask('mock-pool-2')
    for (let i = 0; i < 30 && r.attempts !== '2'; i++) r = await ask('mock-pool-2')
    expect(r).toMatchObject({ status: 200, attempts: '2', model: 'mock-pool-served-by-b' })
  })
})
