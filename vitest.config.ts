import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
// A relative import: vitest bundles its config, but loads workspace packages as plain Node modules.
import { mockProvidersConfig } from './tools/mock-provider/src/gateway-config'
import { defineConfig } from 'vitest/config'
import { newLocalSecrets } from './scripts/lib/local-secrets'

/** The audit signing key and credentials KEK of this test run (fresh each run). */
const secrets = await newLocalSecrets()

/**
 * Every test in the repo, in two projects:
 * - workerd: the gateway Worker and Durable Objects inside the real Workers runtime, against the
 *   mock provider that the project's global setup starts on loopback;
 * - node: contracts, the analytics service, the mock provider and the real local services
 *   (Redis behind the Upstash REST adapter, FerretDB, s3rver, SMTP) that its global setup starts.
 */
export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './workers/gateway/src/index.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ENVIRONMENT: 'test',
                PROVIDERS: JSON.stringify(mockProvidersConfig(inject('mockProviderUrl'))),
                UPSTREAM_TIMEOUT_MS: '2000',
                MAX_BODY_BYTES: String(64 * 1024),
                BOOTSTRAP_TOKEN: 'test-bootstrap-token',
                MAIL_URL: `smtp://trueport:mail-secret@127.0.0.1:${inject('mail').smtpPort}`,
                UPSTASH_REDIS_REST_URL: inject('upstash').url,
                UPSTASH_REDIS_REST_TOKEN: inject('upstash').token,
                OIDC_PROVIDERS: JSON.stringify({
                  local: {
                    issuer: inject('oidc').issuer,
                    clientId: inject('oidc').clientId,
                    clientSecretSecret: 'OIDC_LOCAL_SECRET',
                    label: 'Local IdP',
                  },
                }),
                OIDC_LOCAL_SECRET: inject('oidc').clientSecret,
                ...secrets,
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: [
            'workers/gateway/test/**/*.test.ts',
            'durable-objects/test/**/*.test.ts',
            'test/workerd/**/*.test.ts',
          ],
          globalSetup: ['test/setup/mock-provider.global.ts'],
        },
      },
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'workers/contracts/test/**/*.test.ts',
            'workers/audit/test/**/*.test.ts',
            'tools/**/test/**/*.test.ts',
            'analytics-gpu/test/**/*.test.ts',
            'test/node/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/conformance/**/*.test.ts',
          ],
          globalSetup: ['test/setup/services.global.ts'],
          testTimeout: 20_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
