import type { IdentityError, TenantRefusal } from '@trueport/durable-objects'
import { GatewayError } from '../errors'

/** A tenant object's refusal as the API's error. */
export function tenantRefusal(r: TenantRefusal): never {
  switch (r.error) {
    case 'not_found':
      throw new GatewayError('not_found', r.message)
    case 'forbidden':
      throw new GatewayError('forbidden', r.message)
    case 'invalid':
      throw new GatewayError('invalid_request', r.message)
    case 'conflict':
    case 'last_owner':
      throw new GatewayError('conflict', r.message)
  }
}

/** A directory refusal as the API's error; messages never say whether an account exists. */
export function identityRefusal(error: IdentityError): never {
  switch (error) {
    case 'locked':
      throw new GatewayError(
        'account_locked',
        'too many failed sign-ins: try again later or sign in with an email code'
      )
    case 'throttled':
      throw new GatewayError(
        'rate_limited',
        'a code was sent moments ago: wait before asking again'
      )
    case 'invalid_code':
      throw new GatewayError('invalid_credentials', 'the code is wrong or has expired')
    case 'invalid_refresh':
      throw new GatewayError('invalid_token', 'the refresh token is not valid')
    case 'invalid_credentials':
    case 'not_found':
      throw new GatewayError('invalid_credentials', 'wrong email or password')
  }
}
