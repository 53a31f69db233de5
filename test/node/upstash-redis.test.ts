import { Redis } from '@upstash/redis'
import { describe, expect, inject, it } from 'vitest'

const { upstashUrl, upstashToken } = inject('services')

describe('@upstash/redis against real Redis through the Upstash REST adapter', () => {
  const redis = new Redis({ url: upstashUrl, token: upstashToken })

  it('sets, reads and expires values over a real connection', async () => {
    const key = `conn:${crypto.randomUUID()}`
    await redis.set(key, { tenant: 'ten_1', status: 'active' }, { ex: 30 })
    expect(await redis.get(key)).toEqual({ tenant: 'ten_1', status: 'active' })
    const ttl = await redis.ttl(key)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(30)
  })

  it('runs pipelines and transactions in order', async () => {
    const key = `counter:${crypto.randomUUID()}`
    const [a, b] = await redis.pipeline().incr(key).incrby(key, 4).exec<[number, number]>()
    expect([a, b]).toEqual([1, 5])
    const [c] = await redis.multi().incr(key).exec<[number]>()
    expect(c).toBe(6)
  })

  it('returns hashes as objects and survives non-ASCII values (base64 encoding)', async () => {
    const key = `hash:${crypto.randomUUID()}`
    await redis.hset(key, { name: 'Zoë', city: '東京' })
    expect(await redis.hgetall(key)).toEqual({ name: 'Zoë', city: '東京' })
  })

  it('evaluates Lua scripts', async () => {
    const result = await redis.eval('return ARGV[1] .. KEYS[1]', ['k'], ['v'])
    expect(result).toBe('vk')
  })

  it('is refused with a wrong token', async () => {
    const bad = new Redis({ url: upstashUrl, token: 'wrong', retry: false })
    await expect(bad.get('x')).rejects.toThrow(/Unauthorized|401/)
  })

  it('reports Redis errors as errors, not results', async () => {
    const key = `str:${crypto.randomUUID()}`
    await redis.set(key, 'text')
    await expect(redis.incr(key)).rejects.toThrow(/not an integer/)
  })
})
