import { AwsClient } from 'aws4fetch'
import type { ObjectStore, S3Location } from './store'

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')

/**
 * An S3-compatible bucket through SigV4-signed fetch (aws4fetch), for Workers: the AWS SDK's
 * browser build parses XML with DOMParser, which the Workers runtime does not have. Same
 * contract as `s3Store`; the verifier and the analytics service (Node) use the SDK.
 */
export function s3FetchStore(loc: S3Location, fetcher: typeof fetch = fetch): ObjectStore {
  const aws = new AwsClient({
    accessKeyId: loc.accessKeyId,
    secretAccessKey: loc.secretAccessKey,
    service: 's3',
    region: loc.region,
  })
  const base = (loc.endpoint ?? `https://s3.${loc.region}.amazonaws.com`).replace(/\/+$/, '')
  const pathStyle = loc.forcePathStyle ?? true
  const bucketUrl = pathStyle ? `${base}/${loc.bucket}` : base.replace('://', `://${loc.bucket}.`)
  const objectUrl = (key: string) =>
    `${bucketUrl}/${key.split('/').map(encodeURIComponent).join('/')}`
  const send = async (url: string, init: RequestInit) => {
    const signed = await aws.sign(url, init)
    return fetcher(signed)
  }
  const fail = async (what: string, res: Response) => {
    const text = await res.text().catch(() => '')
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? String(res.status)
    return new Error(`S3 ${what} failed: ${res.status} ${code}`)
  }
  return {
    name: `s3://${loc.bucket}`,
    async put(key, body, meta) {
      const headers: Record<string, string> = { 'content-type': meta.contentType }
      if (meta.contentEncoding) headers['content-encoding'] = meta.contentEncoding
      for (const [k, v] of Object.entries(meta.custom)) headers[`x-amz-meta-${k}`] = v
      const res = await send(objectUrl(key), { method: 'PUT', headers, body: new Uint8Array(body) })
      if (!res.ok) throw await fail(`PUT ${key}`, res)
      await res.body?.cancel()
    },
    async get(key) {
      const res = await send(objectUrl(key), { method: 'GET' })
      if (res.status === 404) {
        await res.body?.cancel()
        return undefined
      }
      if (!res.ok) throw await fail(`GET ${key}`, res)
      return new Uint8Array(await res.arrayBuffer())
    },
    async *list(prefix, startAfter) {
      let token: string | undefined
      do {
        const q = new URLSearchParams({ 'list-type': '2', prefix })
        if (token) q.set('continuation-token', token)
        else if (startAfter) q.set('start-after', startAfter)
        const res = await send(`${bucketUrl}?${q.toString()}`, { method: 'GET' })
        if (!res.ok) throw await fail(`LIST ${prefix}`, res)
        const xml = await res.text()
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) yield unescapeXml(m[1] ?? '')
        const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml)
        const next = /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)?.[1]
        token = truncated && next ? unescapeXml(next) : undefined
      } while (token)
    },
  }
}
