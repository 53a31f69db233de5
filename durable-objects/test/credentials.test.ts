import { env, runInDurableObject } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import { auditStub, tenantStub } from '../src'
import type { AuditDO } from '../src/audit-do'
import { toBase64 } from '../src/lib/encoding'
import {
  importKek,
  loadKeyring,
  rewrap,
  rewrapToCurrent,
  seal,
  unseal,
  type KekSecrets,
  type Keyring,
} from '../src/lib/envelope'
import type { TenantDO } from '../src/tenant-do'

const newKek = (id: string) => importKek(id, toBase64(crypto.getRandomValues(new Uint8Array(32))))
const envRing = () => loadKeyring(env as unknown as KekSecrets)

describe('envelope encryption', () => {
  it('seals each value under its own data key and opens it with the KEK', async () => {
    const kek = await newKek('k1')
    const a = await seal('sk-live-123456', kek)
    const b = await seal('sk-live-123456', kek)
    expect(a.key).not.toBe(b.key)
    expect(a.data).not.toBe(b.data)
    expect(JSON.stringify(a)).not.toContain('sk-live')
    expect(await unseal(a, [kek])).toBe('sk-live-123456')
  })

  it('refuses the wrong KEK and any tampering', async () => {
    const kek = await newKek('k1')
    const other = await newKek('k1')
    const sealed = await seal('secret-value', kek)
    await expect(unseal(sealed, [other])).rejects.toThrow()
    await expect(unseal(sealed, [await newKek('k2')])).rejects.toThrow(/not loaded/)
    const flipped = {
      ...sealed,
      data: sealed.data.slice(0, -4) + (sealed.data.endsWith('AAAA') ? 'BBBB' : 'AAAA'),
    }
    await expect(unseal(flipped, [kek])).rejects.toThrow()
  })

  it('re-wraps only the data key on rotation', async () => {
    const old = await newKek('old')
    const next = await newKek('new')
    const sealed = await seal('value', old)
    const moved = await rewrap(sealed, [old], next)
    expect(moved).toMatchObject({ kek: 'new', data: sealed.data })
    expect(await unseal(moved, [next])).toBe('value')
    const ring: Keyring = { current: next, all: [next, old] }
    expect((await rewrapToCurrent(moved, ring)).changed).toBe(false)
  })
})

describe('provider credentials', () => {
  let n = 0
  const fresh = async () => {
    const id = `ten_cred${Date.now()}${++n}`
    const stub = tenantStub(env, id)
    await stub.init({ id, slug: `cred-${n}`, name: 'Cred' })
    return { id, stub }
  }

  it('are stored sealed, listed with a hint only, and opened for use', async () => {
    const { stub } = await fresh()
    const r = await stub.setProviderCredential({
      name: 'openai-prod',
      provider: 'openai',
      secret: 'sk-proj-abcdefghijklmnop',
    })
    expect(r).toMatchObject({ ok: true, credential: { name: 'openai-prod', hint: 'mnop' } })
    expect(JSON.stringify(await stub.listProviderCredentials())).not.toContain('abcdefgh')
    const dump = await runInDurableObject(stub, (_i: TenantDO, state) =>
      JSON.stringify(state.storage.sql.exec('SELECT * FROM provider_credentials').toArray())
    )
    expect(dump).not.toContain('sk-proj-abcdefghijklmnop')
    expect(await stub.providerCredential('openai-prod')).toBe('sk-proj-abcdefghijklmnop')
    expect(await stub.providerCredential('nope')).toBeNull()
    expect(
      await stub.setProviderCredential({ name: 'Bad Name', provider: 'x', secret: '12345678' })
    ).toMatchObject({ ok: false })
  })

  it('rotating the KEK re-wraps every stored credential (and the audit bucket secret)', async () => {
    const { id, stub } = await fresh()
    for (const name of ['a', 'b', 'c'])
      await stub.setProviderCredential({ name, provider: 'openai', secret: `secret-${name}-0000` })
    const current = await envRing()
    const next = await newKek('kek-2')
    const ring: Keyring = { current: next, all: [next, ...current.all] }

    const result = await runInDurableObject(stub, (instance: TenantDO) =>
      instance.rotateCredentials(ring)
    )
    expect(result).toEqual({ rewrapped: 3, total: 3 })
    expect((await stub.listProviderCredentials()).map((c) => c.kek)).toEqual([
      'kek-2',
      'kek-2',
      'kek-2',
    ])
    // Opened with the new KEK alone; the retired one no longer opens anything.
    const onlyNew: Keyring = { current: next, all: [next] }
    const opened = await runInDurableObject(stub, (instance: TenantDO) =>
      Promise.all(['a', 'b', 'c'].map((x) => instance.providerCredential(x, onlyNew)))
    )
    expect(opened).toEqual(['secret-a-0000', 'secret-b-0000', 'secret-c-0000'])
    await expect(
      runInDurableObject(stub, (instance: TenantDO) => instance.providerCredential('a', current))
    ).rejects.toThrow()
    // A second run has nothing left to do.
    expect(
      await runInDurableObject(stub, (instance: TenantDO) => instance.rotateCredentials(ring))
    ).toEqual({
      rewrapped: 0,
      total: 3,
    })

    const audit = auditStub(env, id)
    await audit.configure({
      tenantId: id,
      destinations: 'r2+tenant',
      bucket: { region: 'auto', bucket: 'b', accessKeyId: 'AK', secretAccessKey: 'bucket-secret' },
    })
    expect(
      await runInDurableObject(audit, (instance: AuditDO) => instance.rotateCredentials(ring))
    ).toEqual({
      rewrapped: 1,
    })
  })
})
