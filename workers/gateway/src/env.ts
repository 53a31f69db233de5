import type { KeySnapshot } from '@trueport/contracts'

/** Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are typed here. */
export interface Secrets {
  /** Bearer token for the OpenAI-compatible upstream (absent for the local mock). */
  UPSTREAM_OPENAI_API_KEY?: string
}

/** Per-request values set by middleware. */
export interface Vars {
  requestId: string
  apiKey: KeySnapshot
}

/** The Hono environment of the gateway app. */
export type AppEnv = { Bindings: Env & Secrets; Variables: Vars }
