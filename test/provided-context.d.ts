// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- s3rver ships no types; every project that sees this context needs its ambient module
/// <reference path="./services/s3rver.d.ts" />
import type { ServiceEndpoints } from './services/index'

/** Values the global setups hand to tests through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL (no `/v1`) of the mock provider the workerd tests' gateway forwards to. */
    mockProviderUrl: string
    /**
     * A tenant-owned bucket for the workerd project: s3rver, reached through a proxy that fails
     * a share of writes on demand (`endpoint`), or directly (`directEndpoint`).
     */
    tenantS3: {
      endpoint: string
      directEndpoint: string
      region: string
      bucket: string
      accessKeyId: string
      secretAccessKey: string
    }
    /** The workerd project's SMTP server and the HTTP inbox that lists what it received. */
    mail: { smtpPort: number; inboxUrl: string }
    /** The workerd project's Upstash REST adapter over a real Redis. */
    upstash: { url: string; token: string }
    /** The workerd project's OpenID Connect provider and the gateway's client there. */
    oidc: { issuer: string; clientId: string; clientSecret: string }
    /** Endpoints of the real local services started for the node project. */
    services: ServiceEndpoints
  }
}
