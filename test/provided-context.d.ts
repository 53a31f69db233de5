// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- s3rver ships no types; every project that sees this context needs its ambient module
/// <reference path="./services/s3rver.d.ts" />
import type { ServiceEndpoints } from './services/index'

/** Values the global setups hand to tests through vitest's provide/inject. */
declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL (no `/v1`) of the mock provider the workerd tests' gateway forwards to. */
    mockProviderUrl: string
    /** Endpoints of the real local services started for the node project. */
    services: ServiceEndpoints
  }
}
