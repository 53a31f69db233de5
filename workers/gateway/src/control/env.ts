import type { ScopedTokenClaims, TokenClaims } from '@trueport/contracts'
import type { AppEnv } from '../env'

/** The control API's Hono environment: the gateway's, plus the authenticated caller. */
export type ControlEnv = {
  Bindings: AppEnv['Bindings'] & {
    CONTROL_BASE_DOMAIN?: string
    /** The From address of codes and invites. */
    MAIL_FROM?: string
    /** Where invite links point (the dashboard's accept page). */
    DASHBOARD_URL?: string
  }
  Variables: AppEnv['Variables'] & {
    claims: TokenClaims
    scope: ScopedTokenClaims
    /** The caller's email, when a route looked it up. */
    userEmail?: string
  }
}
