/** Validators that turn a pattern match into evidence: checksums and entropy. */

/** Luhn checksum (payment cards). */
export function luhnValid(digits: string): boolean {
  return digits.length >= 12 && luhnMod10(digits)
}

/** IBAN check digits (ISO 13616, mod 97 = 1), with the country's length where known. */
const IBAN_LENGTHS: Record<string, number> = {
  DE: 22,
  FR: 27,
  GB: 22,
  ES: 24,
  IT: 27,
  NL: 18,
  BE: 16,
  CH: 21,
  AT: 20,
  IE: 22,
  PT: 25,
  PL: 28,
  SE: 24,
  DK: 18,
  FI: 18,
  NO: 15,
  LU: 20,
  CZ: 24,
  GR: 27,
  HU: 28,
  RO: 24,
}
export function ibanValid(raw: string): boolean {
  const iban = raw.replace(/\s+/g, '').toUpperCase()
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false
  const expected = IBAN_LENGTHS[iban.slice(0, 2)]
  if (expected !== undefined && iban.length !== expected) return false
  const moved = iban.slice(4) + iban.slice(0, 4)
  let rem = 0
  for (const ch of moved) {
    const v = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97
  }
  return rem === 1
}

/** US SSN: not 000/666/9xx area, not 00 group, not 0000 serial. */
export function ssnValid(ssn: string): boolean {
  const [a, g, s] = ssn.split('-')
  if (!a || !g || !s) return false
  return a !== '000' && a !== '666' && a[0] !== '9' && g !== '00' && s !== '0000'
}

/** Shannon entropy in bits per character. */
export function entropy(text: string): number {
  if (!text) return 0
  const counts = new Map<string, number>()
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1)
  let h = 0
  for (const n of counts.values()) {
    const p = n / text.length
    h -= p * Math.log2(p)
  }
  return h
}

/** US National Provider Identifier: Luhn over the card-issuer prefix 80840 and the 10 digits. */
export function npiValid(npi: string): boolean {
  return /^[12]\d{9}$/.test(npi) && luhnValid(`80840${npi}`)
}

/**
 * US DEA registration number: registrant letter, a letter (or 9), seven digits, the last being
 * (d1 + d3 + d5 + 2 * (d2 + d4 + d6)) mod 10.
 */
export function deaValid(dea: string): boolean {
  const m = /^[ABCDEFGHJKLMPRSTUX][A-Z9](\d{7})$/.exec(dea.toUpperCase())
  if (!m) return false
  const d = Array.from(m[1] as string, Number)
  const at = (i: number) => d[i] as number
  return (at(0) + at(2) + at(4) + 2 * (at(1) + at(3) + at(5))) % 10 === at(6)
}

const digitsOnly = (s: string) => s.replace(/[\s.-]/g, '')

/** Verhoeff's dihedral check (India's Aadhaar): 12 digits, the first never 0 or 1. */
const VERHOEFF_D = [
  '0123456789',
  '1234067895',
  '2340178956',
  '3401289567',
  '4012395678',
  '5987604321',
  '6598710432',
  '7659821043',
  '8765932104',
  '9876543210',
].map((row) => Array.from(row, Number))
const VERHOEFF_P = [
  '0123456789',
  '1576283094',
  '5803796142',
  '8916043527',
  '9453126870',
  '4286573901',
  '2793806415',
  '7046913258',
].map((row) => Array.from(row, Number))
export function aadhaarValid(raw: string): boolean {
  const d = digitsOnly(raw)
  if (!/^[2-9]\d{11}$/.test(d)) return false
  let c = 0
  for (let i = 0; i < d.length; i++) {
    const digit = d.charCodeAt(d.length - 1 - i) - 48
    c = (VERHOEFF_D[c] as number[])[(VERHOEFF_P[i % 8] as number[])[digit] as number] as number
  }
  return c === 0
}

/** Dutch BSN: nine digits passing the "11-test" (weights 9..2, the last digit weighs -1). */
export function bsnValid(raw: string): boolean {
  const d = digitsOnly(raw)
  if (!/^\d{9}$/.test(d) || /^0+$/.test(d)) return false
  let sum = 0
  for (let i = 0; i < 8; i++) sum += (9 - i) * (d.charCodeAt(i) - 48)
  return (sum - (d.charCodeAt(8) - 48)) % 11 === 0
}

/** Spanish DNI (8 digits) or NIE (X, Y or Z and 7 digits) and its mod-23 control letter. */
export function dniValid(raw: string): boolean {
  const m = /^([XYZ]?)(\d{7,8})-?([A-Z])$/.exec(raw.toUpperCase().replace(/\s/g, ''))
  if (!m) return false
  const [, prefix, digits, letter] = m as unknown as [string, string, string, string]
  if (prefix ? digits.length !== 7 : digits.length !== 8) return false
  const n = Number(`${prefix ? 'XYZ'.indexOf(prefix) : ''}${digits}`)
  return 'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23] === letter
}

/** Luhn over digits of any length (a Swedish personnummer's last ten). */
export const luhnValid10 = (digits: string) => /^\d+$/.test(digits) && luhnMod10(digits)

/** Polish PESEL: eleven digits, weights 1 3 7 9 repeating, the last making the sum end in 0. */
export function peselValid(raw: string): boolean {
  if (!/^\d{11}$/.test(raw)) return false
  const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
  const sum = w.reduce((a, x, i) => a + x * (raw.charCodeAt(i) - 48), 0)
  return (10 - (sum % 10)) % 10 === raw.charCodeAt(10) - 48
}

/** German tax id (Steuer-ID): eleven digits, ISO 7064 MOD 11,10 check digit, no leading 0. */
export function steuerIdValid(raw: string): boolean {
  const d = raw.replace(/\s/g, '')
  if (!/^[1-9]\d{10}$/.test(d)) return false
  let product = 10
  for (let i = 0; i < 10; i++) {
    let sum = (d.charCodeAt(i) - 48 + product) % 10
    if (sum === 0) sum = 10
    product = (sum * 2) % 11
  }
  return (11 - product) % 10 === d.charCodeAt(10) - 48
}

/** Portuguese NIF: nine digits, weights 9..2, mod 11 (a remainder under 2 gives 0). */
export function nifValid(raw: string): boolean {
  if (!/^[1-35-9]\d{8}$/.test(raw)) return false
  const sum = Array.from(raw.slice(0, 8)).reduce((a, c, i) => a + (9 - i) * Number(c), 0)
  const check = 11 - (sum % 11)
  return (check >= 10 ? 0 : check) === Number(raw[8])
}

/** Brazilian CPF: two mod-11 check digits; eleven equal digits are refused. */
export function cpfValid(raw: string): boolean {
  const d = raw.replace(/\D/g, '')
  if (!/^\d{11}$/.test(d) || /^(\d)\1{10}$/.test(d)) return false
  const digit = (n: number) => {
    let sum = 0
    for (let i = 0; i < n; i++) sum += (d.charCodeAt(i) - 48) * (n + 1 - i)
    const r = (sum * 10) % 11
    return r === 10 ? 0 : r
  }
  return digit(9) === d.charCodeAt(9) - 48 && digit(10) === d.charCodeAt(10) - 48
}

/** Belgian national register number: 97 - (first nine digits mod 97), "2" prefixed after 2000. */
export function belgianRrnValid(raw: string): boolean {
  const d = raw.replace(/\D/g, '')
  if (!/^\d{11}$/.test(d)) return false
  const body = Number(d.slice(0, 9))
  const key = Number(d.slice(9))
  return 97 - (body % 97) === key || 97 - (Number(`2${d.slice(0, 9)}`) % 97) === key
}

/** Canadian SIN: nine digits, Luhn, never starting 0 or 8. */
export function sinValid(raw: string): boolean {
  const d = digitsOnly(raw)
  return /^[1-79]\d{8}$/.test(d) && luhnMod10(d)
}

/** French NIR (social security number): 13 digits and a key of 97 - (number mod 97). */
export function nirValid(raw: string): boolean {
  const d = raw.replace(/\s/g, '').toUpperCase()
  const m = /^([12]\d{4}(?:\d{2}|2A|2B)\d{6})(\d{2})$/.exec(d)
  if (!m) return false
  // Corsica's departments 2A and 2B count as 19 and 18 in the key.
  const body = (m[1] as string).replace('2A', '19').replace('2B', '18')
  return 97 - Number(BigInt(body) % 97n) === Number(m[2])
}

function luhnMod10(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (d < 0 || d > 9) return false
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return sum % 10 === 0
}
