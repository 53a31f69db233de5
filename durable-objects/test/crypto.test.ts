import { describe, expect, it } from 'vitest'
import { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from '../src/lib/api-key'
import { hashPassword, PBKDF2_ITERATIONS, verifyPassword } from '../src/lib/password'
import { randomBase62 } from '../src/lib/encoding'

describe('API keys', () => {
  it('are recognisable, environment-tagged and random', async () => {
    const a = await generateApiKey('prod')
    const b = await generateApiKey('prod')
    expect(a.key).toMatch(/^tp_prod_[A-Za-z0-9]{40}$/)
    expect(a.key).not.toBe(b.key)
    expect(looksLikeApiKey(a.key)).toBe(true)
    expect(a.prefix).toBe(a.key.slice(0, 'tp_prod_'.length + 4))
    expect(displayPrefix('tp_dev_ABCDEFGH')).toBe('tp_dev_ABCD')
  })

  it('are stored as a SHA-256 digest, never in clear', async () => {
    const k = await generateApiKey('dev')
    expect(k.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(k.hash).toBe(await hashApiKey(k.key))
    expect(k.hash).not.toContain(k.key.slice(7))
  })

  it('draw base62 characters uniformly enough', () => {
    const counts = new Map<string, number>()
    for (const ch of randomBase62(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1)
    expect(counts.size).toBe(62)
    for (const n of counts.values()) expect(n).toBeGreaterThan(700)
  })
})

describe('passwords', () => {
  it('hash with a fresh salt and verify only the right password', async () => {
    const h1 = await hashPassword('correct horse battery staple')
    const h2 = await hashPassword('correct horse battery staple')
    expect(h1).toMatch(new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$`))
    expect(h1).not.toBe(h2)
    expect(await verifyPassword('correct horse battery staple', h1)).toBe(true)
    expect(await verifyPassword('correct horse battery stapl', h1)).toBe(false)
  })

  it('never verify against a malformed or weakened hash', async () => {
    const h = await hashPassword('pw-pw-pw-pw-pw')
    const [, , salt, hash] = h.split('$')
    expect(await verifyPassword('pw-pw-pw-pw-pw', 'garbage')).toBe(false)
    expect(await verifyPassword('pw-pw-pw-pw-pw', `md5$1$${salt}$${hash}`)).toBe(false)
    expect(await verifyPassword('pw-pw-pw-pw-pw', `pbkdf2-sha256$1000000$${salt}$${hash}`)).toBe(
      false
    )
  })
})
