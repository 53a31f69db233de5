import type { ScopedTokenClaims, TokenClaims } from '@trueport/contracts'
import type { AppEnv } from '../env'

/** The control API's Hono environment: the gateway's, plus the authenticated caller. */
export type ControlEnv = {
  Bindings: AppEnv['Bindings'] & { CONTROL_BASE_DOMAIN?: string }
  Variables: AppEnv['Variables'] & { claims: TokenClaims; scope: ScopedTokenClaims }
}
