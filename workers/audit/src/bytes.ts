/** Byte helpers on web APIs only, so the same code runs in Workers and in Node. */

const encoder = new TextEncoder()

// The cast matters under the Workers types (whose encode returns a plain Uint8Array) and is a
// no-op under Node's.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
export const utf8 = (s: string) => encoder.encode(s) as Uint8Array<ArrayBuffer>

/** A copy backed by a plain ArrayBuffer, as WebCrypto and Blob want it. */
const plain = (data: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(data)

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? utf8(data) : plain(data)
  const digest = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

async function through(data: Uint8Array, stream: CompressionStream | DecompressionStream) {
  const out = new Response(new Blob([plain(data)]).stream().pipeThrough(stream))
  return new Uint8Array(await out.arrayBuffer())
}

export const gzip = (data: Uint8Array) => through(data, new CompressionStream('gzip'))
export const gunzip = (data: Uint8Array) => through(data, new DecompressionStream('gzip'))
