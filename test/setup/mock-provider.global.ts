import { startMockProvider } from '@trueport/mock-provider'
import type { TestProject } from 'vitest/node'
import { startFlakyProxy } from '../services/flaky-proxy'
import { startRedis } from '../services/redis'
import { startS3 } from '../services/s3'
import { startOidcProvider } from '../services/oidc'
import { startMailSink } from '../services/smtp'
import { startUpstashAdapter } from '../services/upstash-adapter'

/**
 * Starts what the workerd project's gateway talks to, on free loopback ports: one mock
 * provider; an S3 server (s3rver) behind a proxy that fails a share of writes on demand,
 * standing in for a tenant's own bucket; a real SMTP server with an HTTP inbox (codes and
 * invites); Redis behind the Upstash REST adapter (the hot-path cache); and an OpenID Connect
 * provider (sign-in with an external identity).
 */
export default async function setup(project: TestProject) {
  const [mock, s3, mail, redis, oidc] = await Promise.all([
    startMockProvider(),
    startS3(['tenant-audit']),
    startMailSink(),
    startRedis(),
    // The workerd tests' gateway answers at this origin (SELF ignores the host).
    startOidcProvider(['http://gateway.test/api/v1/auth/oidc/local/callback']),
  ])
  const flaky = await startFlakyProxy(s3.endpoint)
  const upstash = await startUpstashAdapter({ redisUrl: redis.url, token: 'workerd-test-token' })
  project.provide('mockProviderUrl', mock.url)
  project.provide('mail', { smtpPort: mail.smtpPort, inboxUrl: mail.inboxUrl })
  project.provide('upstash', { url: upstash.url, token: upstash.token })
  project.provide('oidc', {
    issuer: oidc.issuer,
    clientId: oidc.clientId,
    clientSecret: oidc.clientSecret,
  })
  project.provide('tenantS3', {
    endpoint: flaky.url,
    directEndpoint: s3.endpoint,
    region: s3.region,
    bucket: 'tenant-audit',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  })
  return async () => {
    await Promise.all([flaky.stop(), upstash.stop()])
    await Promise.all([mock.close(), s3.stop(), mail.stop(), redis.stop(), oidc.stop()])
  }
}
