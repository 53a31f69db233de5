import { matchRules, type PatternRule } from './patterns'
import type { Finding, TextDetector } from './types'
import { entropy } from './validators'

/**
 * A value that stands for a secret without being one: a template variable, a mask, a
 * documentation placeholder, or too few distinct characters to be random.
 */
export function placeholder(value: string): boolean {
  return (
    /^(?:<[^>]*>|\$\{?[\w.]+\}?|\$\([\w.]+\)|\{\{.*\}\}|%\w+%|\[[^\]]*\])$/.test(value) ||
    /^(?:your|my|the|example|changeme|placeholder|redacted|xxx)/i.test(value) ||
    /(.)\1{5,}/.test(value) ||
    new Set(value).size < 5
  )
}

/** Provider keys and tokens by their published formats. */
export const SECRET_RULES: PatternRule[] = [
  {
    kind: 'aws_access_key',
    re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
    severity: 'critical',
    score: 0.99,
    valid: (m) => !placeholder(m.slice(4)),
  },
  {
    kind: 'openai_key',
    re: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}\b/g,
    severity: 'critical',
    score: 0.97,
  },
  {
    kind: 'anthropic_key',
    re: /\bsk-ant-[A-Za-z0-9_-]{20,}\b/g,
    severity: 'critical',
    score: 0.99,
  },
  {
    kind: 'github_token',
    re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{50,}\b/g,
    severity: 'critical',
    score: 0.99,
  },
  {
    kind: 'slack_token',
    re: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/g,
    severity: 'critical',
    score: 0.98,
  },
  { kind: 'google_api_key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, severity: 'critical', score: 0.98 },
  {
    kind: 'stripe_key',
    re: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g,
    severity: 'critical',
    score: 0.99,
  },
  {
    kind: 'trueport_key',
    re: /\btp_(?:dev|staging|prod)_[A-Za-z0-9]{32,64}\b/g,
    severity: 'critical',
    score: 0.99,
  },
  {
    kind: 'private_key',
    // The whole block, so its base64 lines are one finding, not a dozen tokens.
    re: /-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----|$)/g,
    severity: 'critical',
    score: 0.99,
  },
  {
    kind: 'jwt',
    re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
    severity: 'high',
    score: 0.95,
  },
  {
    kind: 'password_assignment',
    re: /(?<![A-Za-z0-9])\w*(?:password|passwd|pwd|secret|api[_-]?key|token)["']?\s*[:=]\s*["']?([^\s"',;]{8,})/gi,
    severity: 'high',
    score: 0.85,
    group: 1,
    valid: (m) => !placeholder(m),
  },
  // Credentials inside a connection URL: postgres://user:password@host.
  {
    kind: 'url_credentials',
    re: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:([^\s@/]{6,})@/gi,
    severity: 'critical',
    score: 0.95,
    group: 1,
    valid: (m) => !placeholder(m),
  },
]

/** Links that carry data out: raw IPs, tunnels, paste sites, webhooks, long query payloads. */
const URL_RULES: PatternRule[] = [
  {
    kind: 'suspicious_url',
    re: /\bhttps?:\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|[^\s/]*(?:ngrok\.io|ngrok-free\.app|trycloudflare\.com|pastebin\.com|transfer\.sh|requestbin|webhook\.site|burpcollaborator))[^\s)"']*/gi,
    severity: 'high',
    score: 0.9,
  },
  {
    kind: 'data_in_url',
    re: /\bhttps?:\/\/[^\s?#]+\?[^\s#]*=[A-Za-z0-9+/=_-]{60,}/g,
    severity: 'high',
    score: 0.85,
  },
  // Markdown images fetch themselves when rendered: the classic exfiltration channel.
  {
    kind: 'markdown_image_beacon',
    re: /!\[[^\]]*\]\(https?:\/\/[^)\s]+\?[^)\s]{20,}\)/g,
    severity: 'high',
    score: 0.9,
  },
]

/**
 * Random-looking material that is public by design: certificates and public keys, SSH public
 * keys, content hashes and digests (sha256:, sha512-), images inline as data URIs, Stripe
 * publishable keys. High entropy there is not a leak.
 */
const PUBLIC_MATERIAL =
  /-----BEGIN (?:[A-Z]+ )?(?:PUBLIC KEY|CERTIFICATE)-----[\s\S]*?(?:-----END (?:[A-Z]+ )?(?:PUBLIC KEY|CERTIFICATE)-----|$)|\bssh-(?:rsa|ed25519|dss|ecdsa-[\w-]+) [A-Za-z0-9+/=]+|\bsha(?:1|256|384|512)[-:][A-Za-z0-9+/=]+|data:image\/[\w.+-]+;base64,[A-Za-z0-9+/=]+|\bpk_(?:live|test)_[0-9A-Za-z]+/g

/** A long base64 run of high entropy: an encoded blob or an unknown secret. */
function encodedBlobs(text: string): { start: number; end: number; kind: string; score: number }[] {
  const out: { start: number; end: number; kind: string; score: number }[] = []
  const open = [...text.matchAll(PUBLIC_MATERIAL)].map((m) => [m.index, m.index + m[0].length])
  const isPublic = (s: number, e: number) =>
    open.some(([a, b]) => (a as number) <= s && e <= (b as number))
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{32,}={0,2}/g)) {
    const run = m[0]
    // Hex runs are hashes, commit ids and digests; a hex secret has a label (see above).
    if (/^[0-9a-f]+$/i.test(run) || isPublic(m.index, m.index + run.length)) continue
    const h = entropy(run)
    if (h >= 4.5)
      out.push({
        start: m.index,
        end: m.index + run.length,
        kind: run.length >= 200 ? 'encoded_blob' : 'high_entropy_token',
        score: Math.min(0.95, h / 6),
      })
  }
  return out
}

/** Many identifiers in one answer: a dump of records rather than an answer. */
const BULK_THRESHOLD = 20

/**
 * Exfiltration: secrets by format and entropy, encoded blobs, links that carry data out, and
 * bulk personal data in responses.
 */
export const exfiltration: TextDetector = {
  id: 'exfiltration',
  detect(segment) {
    const found = matchRules('exfiltration', [...SECRET_RULES, ...URL_RULES], segment)
    const claimed = (s: number, e: number) => found.some((f) => f.start <= s && f.end >= e)
    for (const b of encodedBlobs(segment.text)) {
      if (claimed(b.start, b.end)) continue
      found.push({
        detector: 'exfiltration',
        kind: b.kind,
        score: b.score,
        severity: b.kind === 'encoded_blob' ? 'medium' : 'high',
        field: segment.field,
        path: segment.path,
        start: b.start,
        end: b.end,
      })
    }
    if (segment.field === 'response') {
      const emails = [...segment.text.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z.]{2,}/g)]
      const first = emails[0]
      const last = emails.at(-1)
      if (
        emails.length >= BULK_THRESHOLD &&
        first?.index !== undefined &&
        last?.index !== undefined
      )
        found.push({
          detector: 'exfiltration',
          kind: 'bulk_personal_data',
          score: 0.9,
          severity: 'critical',
          field: segment.field,
          path: segment.path,
          start: first.index,
          end: last.index + last[0].length,
        } satisfies Finding)
    }
    return found
  },
}
