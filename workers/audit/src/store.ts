import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'

/**
 * Where audit objects are written and read back. Two implementations: an R2 binding (inside
 * Workers) and any S3-compatible bucket through @aws-sdk/client-s3 (R2's S3 API, AWS S3, MinIO,
 * ...). Keys are listed in lexicographic order, which the key layout makes time order.
 */
export interface ObjectStore {
  readonly name: string
  put(key: string, body: Uint8Array, meta: ObjectMeta): Promise<void>
  get(key: string): Promise<Uint8Array | undefined>
  list(prefix: string, startAfter?: string): AsyncIterable<string>
}

export interface ObjectMeta {
  contentType: string
  contentEncoding?: string
  custom: Record<string, string>
}

/** The part of an R2 binding used here (structural, so this package needs no Workers types). */
export interface R2Like {
  put(
    key: string,
    value: Uint8Array,
    options?: {
      httpMetadata?: { contentType?: string; contentEncoding?: string }
      customMetadata?: Record<string, string>
    }
  ): Promise<unknown>
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>
  list(options: {
    prefix?: string
    startAfter?: string
    cursor?: string
    limit?: number
  }): Promise<{
    objects: { key: string }[]
    truncated: boolean
    cursor?: string
  }>
}

export function r2Store(bucket: R2Like, name = 'r2'): ObjectStore {
  return {
    name,
    async put(key, body, meta) {
      await bucket.put(key, body, {
        httpMetadata: {
          contentType: meta.contentType,
          ...(meta.contentEncoding ? { contentEncoding: meta.contentEncoding } : {}),
        },
        customMetadata: meta.custom,
      })
    },
    async get(key) {
      const obj = await bucket.get(key)
      return obj ? new Uint8Array(await obj.arrayBuffer()) : undefined
    },
    async *list(prefix, startAfter) {
      let cursor: string | undefined
      do {
        const page = await bucket.list({
          prefix,
          limit: 1000,
          ...(cursor ? { cursor } : startAfter ? { startAfter } : {}),
        })
        for (const o of page.objects) yield o.key
        cursor = page.truncated ? page.cursor : undefined
      } while (cursor)
    },
  }
}

/** An S3-compatible bucket, as a tenant configures it. */
export interface S3Location {
  endpoint?: string | undefined
  region: string
  bucket: string
  /** Keys go under this prefix inside the bucket (the tenant's own layout above ours). */
  prefix?: string | undefined
  accessKeyId: string
  secretAccessKey: string
  /** Path-style URLs (MinIO, s3rver, most self-hosted stores). */
  forcePathStyle?: boolean | undefined
}

export function s3Client(loc: S3Location): S3Client {
  return new S3Client({
    region: loc.region,
    ...(loc.endpoint ? { endpoint: loc.endpoint } : {}),
    forcePathStyle: loc.forcePathStyle ?? true,
    credentials: { accessKeyId: loc.accessKeyId, secretAccessKey: loc.secretAccessKey },
    // Without these, streamed uploads to R2 and others store chunk framing in the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1, // the audit spool retries on its own schedule
  })
}

export function s3Store(loc: S3Location, client: S3Client = s3Client(loc)): ObjectStore {
  return {
    name: `s3://${loc.bucket}`,
    async put(key, body, meta) {
      await client.send(
        new PutObjectCommand({
          Bucket: loc.bucket,
          Key: key,
          Body: body,
          ContentType: meta.contentType,
          ...(meta.contentEncoding ? { ContentEncoding: meta.contentEncoding } : {}),
          Metadata: meta.custom,
        })
      )
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: key }))
        return out.Body ? await out.Body.transformToByteArray() : undefined
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
          return undefined
        throw err
      }
    },
    async *list(prefix, startAfter) {
      let token: string | undefined
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: loc.bucket,
            Prefix: prefix,
            ...(token
              ? { ContinuationToken: token }
              : startAfter
                ? { StartAfter: startAfter }
                : {}),
          })
        )
        for (const o of page.Contents ?? []) if (o.Key) yield o.Key
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
    },
  }
}
