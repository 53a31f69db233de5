import { beforeAll, describe, expect, it } from 'vitest'
import { newTenant, post, scriptFaults } from './helpers'

// Each test has an upstream of its own (mock-breaker-a / -b, open for 1 s once tripped), so an
// open breaker never leaks into other tests.
let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

const ask = async (model: string) => {
  const res = await post('/v1/chat/completions', key, {
    model,
    messages: [{ role: 'user', content: 'ping' }],
  })
  const body = await res.json<{ error?: { code?: string } }>()
  return { status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after') }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('circuit breaker on the request path', () => {
  it('opens after 5 consecutive upstream failures and then refuses at once with 503', async () => {
    const model = 'mock-breaker-a-1'
    await scriptFaults(model, ...Array.from({ length: 5 }, () => 'status:503'))
    for (let i = 0; i < 5; i++) expect((await ask(model)).status).toBe(502)
    // The mock has no fault left: a request that reached it would succeed.
    const refused = await ask(model)
    expect(refused).toMatchObject({ status: 503, code: 'no_target_available' })
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1)

    // After openMs one probe goes through; its success closes the breaker.
    await sleep(1_100)
    expect((await ask(model)).status).toBe(200)
    expect((await ask(model)).status).toBe(200)
  })

  it('a failed probe re-opens it; timeouts and resets count as failures', async () => {
    const model = 'mock-breaker-b-1'
    await scriptFaults(model, 'status:500', 'reset', 'status:502', 'status:503', 'timeout')
    for (let i = 0; i < 5; i++) expect([502, 504]).toContain((await ask(model)).status)
    expect((await ask(model)).status).toBe(503)
    await sleep(1_100)
    await scriptFaults(model, 'status:503')
    expect((await ask(model)).status).toBe(502) // the probe, failing
    expect((await ask(model)).code).toBe('no_target_available')
    await sleep(1_100)
    expect((await ask(model)).status).toBe(200)
  })

  it('client mistakes the provider rejects do not count', async () => {
    const model = 'mock-breaker-a-2'
    await sleep(50)
    await scriptFaults(model, ...Array.from({ length: 6 }, () => 'status:400'))
    for (let i = 0; i < 6; i++) expect((await ask(model)).status).toBe(400)
    expect((await ask(model)).status).toBe(200)
  })

  it('streams cut mid-way count as failures and open it', async () => {
    const model = 'mock-breaker-stream-1'
    // mock-breaker-stream opens after 3 consecutive failures.
    await scriptFaults(model, 'cut:2', 'cut:2', 'cut:2')
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/chat/completions', key, {
        model,
        stream: true,
        messages: [{ role: 'user', content: 'ping' }],
      })
      // The stream had started: the client has its 200, then an error event, never [DONE].
      expect(res.status).toBe(200)
      const text = await res.text()
      expect(text).toContain('"code":"upstream_error"')
      expect(text).not.toContain('[DONE]')
    }
    expect(await ask(model)).toMatchObject({ status: 503, code: 'no_target_available' })
    await sleep(1_100)
    expect((await ask(model)).status).toBe(200)
  })
})
