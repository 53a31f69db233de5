import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { describe, expect, inject, it } from 'vitest'

const s = inject('services')

describe('@aws-sdk/client-s3 against s3rver', () => {
  const client = new S3Client({
    endpoint: s.s3Endpoint,
    region: s.s3Region,
    credentials: { accessKeyId: s.s3AccessKeyId, secretAccessKey: s.s3SecretAccessKey },
    forcePathStyle: true,
    // Without these the SDK streams uploads with aws-chunked framing that s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  const Bucket = 'trueport-audit'

  it('puts, heads, lists, gets and deletes an object byte for byte', async () => {
    const prefix = `tenants/ten_${Date.now()}/2026/12/01/`
    const Key = `${prefix}batch-0001.ndjson.gz`
    const body = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 255])
    await client.send(
      new PutObjectCommand({ Bucket, Key, Body: body, ContentType: 'application/x-ndjson' })
    )

    const head = await client.send(new HeadObjectCommand({ Bucket, Key }))
    expect(head.ContentLength).toBe(body.length)

    const list = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }))
    expect(list.Contents?.map((o) => o.Key)).toEqual([Key])

    const got = await client.send(new GetObjectCommand({ Bucket, Key }))
    expect(await got.Body?.transformToByteArray()).toEqual(body)

    await client.send(new DeleteObjectCommand({ Bucket, Key }))
    const after = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix }))
    expect(after.KeyCount ?? 0).toBe(0)
  })

  it('fails clearly for a missing object', async () => {
    await expect(client.send(new GetObjectCommand({ Bucket, Key: 'nope' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    })
  })
})
