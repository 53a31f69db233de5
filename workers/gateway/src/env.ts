import type { KeySnapshot } from '@trueport/contracts'
import type { BudgetTicket } from './services/budget'
import type { InteractionOutcome } from './services/chat'
import type { ClientSurface } from './surfaces/types'

/** Secrets are not in wrangler.toml, so `wrangler types` cannot see them; they are typed here. */
export interface Secrets {
  /** Provider keys are secrets named by PROVIDERS (`apiKeySecret`), e.g. OPENAI_API_KEY. */
  [secret: `${string}_API_KEY`]: string | undefined
  /** Private EC P-256 JWK (JSON) that signs the audit trail. */
  AUDIT_SIGNING_KEY?: string
  /** Private EC P-256 JWK (JSON) that signs access tokens. */
  AUTH_SIGNING_KEY?: string
  /** Upstash Redis REST endpoint and token: the hot-path cache when both are set. */
  UPSTASH_REDIS_REST_URL?: string
  UPSTASH_REDIS_REST_TOKEN?: string
  /** Mail transport for codes and invites (services/mailer.ts); may carry credentials. */
  MAIL_URL?: string
}

/** Per-request values set by middleware. */
export interface Vars {
  requestId: string
  apiKey: KeySnapshot
  /** The client dialect of the route, so errors render in a shape its SDK parses. */
  surface: ClientSurface
  /** Provider, usage and cost of the interaction, once the upstream answered. */
  outcome: InteractionOutcome
  /** Replaces the rate-limit reservation with the tokens actually used (set when limited). */
  settleTokens?: (tokens: number) => void
  /** The request's budget reservation, when the key has a budget. */
  budget?: BudgetTicket
}

/** The Hono environment of the gateway app. */
export type AppEnv = { Bindings: Env & Secrets; Variables: Vars }
