import { describe, expect, it } from 'vitest'
import { ipAllowed, parseIp } from '../src/lib/ip'

describe('IP allowlists', () => {
  it('parses v4, v6 (compressed) and v4-mapped v6; refuses garbage', () => {
    expect(parseIp('10.0.0.1')).toEqual({ value: 0x0a000001n, bits: 32 })
    expect(parseIp('::1')).toEqual({ value: 1n, bits: 128 })
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ value: 0x0a000001n, bits: 32 })
    for (const bad of ['10.0.0', '256.1.1.1', '1::2::3', 'g::1', '', '1.2.3.4.5'])
      expect(parseIp(bad), bad).toBeNull()
  })

  it('matches addresses and CIDR ranges of the same family only', () => {
    const rules = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32']
    expect(ipAllowed(rules, '10.255.0.1')).toBe(true)
    expect(ipAllowed(rules, '11.0.0.1')).toBe(false)
    expect(ipAllowed(rules, '192.168.1.7')).toBe(true)
    expect(ipAllowed(rules, '192.168.1.8')).toBe(false)
    expect(ipAllowed(rules, '2001:db8:ffff::1')).toBe(true)
    expect(ipAllowed(rules, '2001:db9::1')).toBe(false)
    expect(ipAllowed(rules, '::ffff:10.1.1.1')).toBe(true)
    expect(ipAllowed(['0.0.0.0/0'], '8.8.8.8')).toBe(true)
    expect(ipAllowed(['10.0.0.0/33'], '10.0.0.1')).toBe(false)
    expect(ipAllowed(rules, 'nonsense')).toBe(false)
  })
})
