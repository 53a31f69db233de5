import { beforeAll, describe, expect, it } from 'vitest'
import { mockUrl, newTenant, scriptFaults, askChat } from './helpers'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

// mock-failover* goes to the mock-primary upstream (OpenAI dialect), then falls back to
// mock-anthropic as mock-claude-failover. Faults are scripted per model name as the mock sees it.
const ask = (model: string, stream = false) => askChat(key, model, stream)

describe('fallback chains', () => {
  it.each([
    ['a 503', 'status:503'],
    ['a 429', 'status:429'],
    ['a connection reset', 'reset'],
  ])('fails over to the next provider on %s, translating for it', async (_what, fault) => {
    const model = `mock-failover-${fault.replace(':', '')}`
    await scriptFaults(model, fault)
    const r = await ask(model)
    expect(r).toMatchObject({
      status: 200,
      provider: 'anthropic',
      model: 'mock-claude-failover',
      attempts: '2',
    })
    expect(r.text).toContain('mock provider (mock-claude-failover)')
  })

  it('a stream fails over before its first byte and arrives whole', async () => {
    const model = 'mock-failover-stream'
    await scriptFaults(model, 'status:502')
    const r = await ask(model, true)
    expect(r.status).toBe(200)
    expect(r.provider).toBe('anthropic')
    expect(r.text).toContain('data: [DONE]')
  })

  it('a client mistake is not failed over', async () => {
    const model = 'mock-failover-400'
    await scriptFaults(model, 'status:400')
    const r = await ask(model)
    expect(r.status).toBe(400)
  })

  it('when every target fails the client sees the last failure', async () => {
    const model = 'mock-failover-all'
    await scriptFaults(model, 'status:503')
    await scriptFaults('mock-claude-failover', 'status:503')
    const r = await ask(model)
    expect(r.status).toBe(502)
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'upstream_error' } })
  })

  it('skips a primary whose breaker is open without sending to it', async () => {
    const model = 'mock-failover-breaker'
    // Fail the primary until it is skipped (earlier tests here left it some failures already).
    const skipped = (x: { provider: string | null; attempts: string | null }) =>
      x.provider === 'anthropic' && x.attempts === '1'
    let r = { provider: null as string | null, attempts: null as string | null, status: 0 }
    for (let i = 0; i < 6 && !skipped(r); i++) {
      await scriptFaults(model, 'status:503')
      r = await ask(model)
    }
    expect(r).toMatchObject({ status: 200, provider: 'anthropic', attempts: '1' })
    // The fault scripted for the skipped request was never taken: take it at the mock itself.
    const drained = await fetch(`${mockUrl()}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'drain' }] }),
    })
    expect(drained.status).toBe(503)
    await new Promise((res) => setTimeout(res, 1_100))
    // Its time is up: the probe goes to the primary, succeeds, and closes the breaker.
    expect((await ask(model)).provider).toBe('openai')
    expect((await ask(model)).provider).toBe('openai')
  })
})
