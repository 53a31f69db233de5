/**
 * Client-address allowlists: exact addresses and CIDR ranges, IPv4 and IPv6 (with `::`
 * compression and IPv4-mapped IPv6 addresses treated as their IPv4 form). Pure, no deps.
 */

/** The address as a bigint and its width in bits, or null when it is not an address. */
export function parseIp(text: string): { value: bigint; bits: 32 | 128 } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text)
  if (mapped?.[1]) return parseIp(mapped[1])
  if (text.includes('.')) {
    const octets = text.split('.')
    if (octets.length !== 4) return null
    let value = 0n
    for (const o of octets) {
      if (!/^\d{1,3}$/.test(o) || Number(o) > 255) return null
      value = (value << 8n) | BigInt(o)
    }
    return { value, bits: 32 }
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = halves[0] ? halves[0].split(':') : []
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  let value = 0n
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null
    value = (value << 16n) | BigInt(parseInt(g, 16))
  }
  return { value, bits: 128 }
}

/** True when `ip` is one of the rules' addresses or inside one of their ranges. */
export function ipAllowed(rules: readonly string[], ip: string): boolean {
  const addr = parseIp(ip)
  if (!addr) return false
  return rules.some((rule) => {
    const [base, len] = rule.split('/')
    const net = base ? parseIp(base) : null
    if (!net || net.bits !== addr.bits) return false
    const prefix = len === undefined ? net.bits : Number(len)
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > net.bits) return false
    const shift = BigInt(net.bits - prefix)
    return net.value >> shift === addr.value >> shift
  })
}
