import { z } from 'zod'

/**
 * Stable, machine-readable error codes. Clients and tests match on these, never on the
 * wording of a message, so a code once published is never renamed or reused.
 */
export const ErrorCode = z.enum([
  'invalid_json',
  'invalid_request',
  'body_too_large',
  'missing_api_key',
  'invalid_api_key',
  'revoked_api_key',
  'expired_api_key',
  'missing_token',
  'invalid_token',
  'invalid_credentials',
  'account_locked',
  'forbidden',
  'ip_not_allowed',
  'model_not_allowed',
  'endpoint_not_allowed',
  'guardrail_blocked',
  'key_quarantined',
  'not_found',
  'model_not_found',
  'method_not_allowed',
  'conflict',
  'rate_limited',
  'budget_exhausted',
  'upstream_error',
  'upstream_timeout',
  'upstream_unavailable',
  'no_target_available',
  'internal_error',
])
export type ErrorCode = z.infer<typeof ErrorCode>

/** The OpenAI `error.type` each code is reported under, so every OpenAI SDK renders it. */
export const ERROR_TYPES = {
  invalid_json: 'invalid_request_error',
  invalid_request: 'invalid_request_error',
  body_too_large: 'invalid_request_error',
  missing_api_key: 'authentication_error',
  invalid_api_key: 'authentication_error',
  revoked_api_key: 'authentication_error',
  expired_api_key: 'authentication_error',
  missing_token: 'authentication_error',
  invalid_token: 'authentication_error',
  invalid_credentials: 'authentication_error',
  account_locked: 'authentication_error',
  forbidden: 'permission_error',
  ip_not_allowed: 'permission_error',
  model_not_allowed: 'permission_error',
  endpoint_not_allowed: 'permission_error',
  guardrail_blocked: 'invalid_request_error',
  key_quarantined: 'permission_error',
  not_found: 'invalid_request_error',
  model_not_found: 'invalid_request_error',
  method_not_allowed: 'invalid_request_error',
  conflict: 'invalid_request_error',
  rate_limited: 'rate_limit_error',
  budget_exhausted: 'insufficient_quota',
  upstream_error: 'api_error',
  upstream_timeout: 'api_error',
  upstream_unavailable: 'api_error',
  no_target_available: 'api_error',
  internal_error: 'api_error',
} as const satisfies Record<ErrorCode, string>

/** The HTTP status each code is answered with. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  body_too_large: 413,
  missing_api_key: 401,
  invalid_api_key: 401,
  revoked_api_key: 401,
  expired_api_key: 401,
  missing_token: 401,
  invalid_token: 401,
  invalid_credentials: 401,
  account_locked: 423,
  forbidden: 403,
  ip_not_allowed: 403,
  model_not_allowed: 403,
  endpoint_not_allowed: 403,
  guardrail_blocked: 400,
  key_quarantined: 403,
  not_found: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  rate_limited: 429,
  budget_exhausted: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unavailable: 503,
  no_target_available: 503,
  internal_error: 500,
} as const satisfies Record<ErrorCode, number>

/** The body of every error response, in the OpenAI shape. */
export const ErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: ErrorCode,
    param: z.string().nullable().optional(),
    request_id: z.string().optional(),
  }),
})
export type ErrorBody = z.infer<typeof ErrorBody>
