import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { freePort } from './net'

/** A running S3-compatible server and the credentials clients must use with it. */
export interface S3Service {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  port: number
  stop(): Promise<void>
}

/**
 * Starts s3rver on a free loopback port with a fresh temporary directory. s3rver accepts its
 * default S3RVER/S3RVER credentials and signs responses like S3 does.
 */
export async function startS3(buckets: string[] = []): Promise<S3Service> {
  const port = await freePort()
  const directory = mkdtempSync(join(tmpdir(), 'trueport-s3-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  })
  await server.run()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    port,
    stop: async () => {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    },
  }
}
