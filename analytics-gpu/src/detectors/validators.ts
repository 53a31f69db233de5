/** Validators that turn a pattern match into evidence: checksums and entropy. */

/** Luhn checksum (payment cards). */
export function luhnValid(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48
    if (d < 0 || d > 9) return false
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return digits.length >= 12 && sum % 10 === 0
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
