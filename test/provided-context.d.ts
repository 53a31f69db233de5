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
