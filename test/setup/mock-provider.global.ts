import { startMockProvider } from '@trueport/mock-provider'
import type { TestProject } from 'vitest/node'
import { startFlakyProxy } from '../services/flaky-proxy'
import { startS3 } from '../services/s3'

/**
 * Starts what the workerd project's gateway talks to, on free loopback ports: one mock
 * provider, and an S3 server (s3rver) behind a proxy that fails a share of writes on demand,
 * standing in for a tenant's own bucket.
 */
export default async function setup(project: TestProject) {
  const [mock, s3] = await Promise.all([startMockProvider(), startS3(['tenant-audit'])])
  const flaky = await startFlakyProxy(s3.endpoint)
  project.provide('mockProviderUrl', mock.url)
  project.provide('tenantS3', {
    endpoint: flaky.url,
    directEndpoint: s3.endpoint,
    region: s3.region,
    bucket: 'tenant-audit',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  })
  return async () => {
    await flaky.stop()
    await Promise.all([mock.close(), s3.stop()])
  }
}
