import { beforeAll, describe, expect, it } from 'vitest'
import { newTenant } from './helpers'
import { FINISH, PROVIDER_MODELS, SURFACES } from './surfaces'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

const PAIRS = SURFACES.flatMap((surface) =>
  Object.entries(PROVIDER_MODELS).flatMap(([provider, model]) =>
    [false, true].map((stream) => ({ surface, provider, model, stream }))
  )
)

describe.each(PAIRS)(
  '$surface.name client -> $provider provider (stream: $stream)',
  ({ surface, provider, model, stream }) => {
    it('carries the text, the finish reason and the usage', async () => {
      const res = await surface.send(key, model, { text: 'ping' }, stream)
      expect(res.status).toBe(200)
      expect(res.headers.get('x-trueport-provider')).toBe(provider)
      const seen = await surface.read(res, stream)
      expect(seen.text).toBe(`Hello from the TruePort mock provider (${model}). You said: "ping".`)
      expect(seen.calls).toEqual([])
      expect(seen.finish).toBe(FINISH[surface.name].stop)
      expect(seen.usage?.input).toBeGreaterThan(0)
      expect(seen.usage?.output).toBeGreaterThan(0)
    })

    it('carries parallel tool calls with their arguments', async () => {
      const res = await surface.send(key, model, { text: 'weather and time?', tools: 2 }, stream)
      expect(res.status).toBe(200)
      const seen = await surface.read(res, stream)
      expect(seen.calls).toEqual([
        { name: 'get_weather', args: { location: 'mock' } },
        { name: 'get_time', args: { tz: 'mock' } },
      ])
      expect(seen.finish).toBe(FINISH[surface.name].tools)
    })

    it('sends a tool result back and gets the final answer', async () => {
      const result = {
        id: 'call_1',
        name: 'get_weather',
        args: { location: 'Paris' },
        output: 'sunny, 21C',
      }
      const res = await surface.send(key, model, { text: 'weather?', tools: 1, result }, stream)
      expect(res.status).toBe(200)
      const seen = await surface.read(res, stream)
      expect(seen.text).toContain('Tool results received:')
      expect(seen.text).toContain('sunny, 21C')
      expect(seen.calls).toEqual([])
    })
  }
)
