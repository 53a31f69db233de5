import {
  TokenClaims,
  type GlobalTokenClaims,
  type Role,
  type ScopedTokenClaims,
} from '@trueport/contracts'
import { SignJWT, exportJWK, importJWK, jwtVerify, type JWK } from 'jose'

export const ISSUER = 'trueport'
export const AUDIENCE = 'trueport-api'
/** Access tokens are short-lived; refresh tokens (opaque, revocable) renew them. */
export const ACCESS_TOKEN_TTL_S = 15 * 60

export class TokenError extends Error {
  override name = 'TokenError'
}

/**
 * Signs and verifies the control plane's access tokens: JWTs with ES256 only, from a private
 * EC P-256 JWK kept as the AUTH_SIGNING_KEY secret. Other services (the analytics box) verify
 * them against the published JWKS, with no shared secret.
 */
export interface TokenService {
  kid: string
  jwks: { keys: JWK[] }
  issueGlobal(userId: string, now?: number, sessionId?: string): Promise<string>
  issueScoped(
    input: {
      userId: string
      tenantId: string
      role: Role
      env: ScopedTokenClaims['env']
      sessionId?: string | undefined
    },
    now?: number
  ): Promise<string>
  /** The token's claims, or TokenError for anything not signed by us, expired or malformed. */
  verify(token: string, now?: number): Promise<TokenClaims>
}

export async function tokenService(privateJwk: JWK): Promise<TokenService> {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d)
    throw new Error('AUTH_SIGNING_KEY must be a private EC P-256 JWK')
  const kid = privateJwk.kid ?? 'auth'
  const privateKey = await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256')
  const { d: _d, ...pub } = privateJwk
  const publicKey = await importJWK({ ...pub, alg: 'ES256' }, 'ES256')
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }

  const sign = (claims: Record<string, unknown>, sub: string, now: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(sub)
      .setJti(crypto.randomUUID())
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(now / 1000) + ACCESS_TOKEN_TTL_S)
      .sign(privateKey)

  return {
    kid,
    jwks: { keys: [publicJwk] },
    issueGlobal: (userId, now = Date.now(), sessionId) =>
      sign(
        {
          typ: 'global',
          ...(sessionId ? { sid: sessionId } : {}),
        } satisfies Pick<GlobalTokenClaims, 'typ' | 'sid'>,
        userId,
        now
      ),
    issueScoped: (input, now = Date.now()) =>
      sign(
        {
          typ: 'scoped',
          tid: input.tenantId,
          role: input.role,
          env: input.env,
          ...(input.sessionId ? { sid: input.sessionId } : {}),
        },
        input.userId,
        now
      ),
    async verify(token, now = Date.now()) {
      let payload: unknown
      try {
        ;({ payload } = await jwtVerify(token, publicKey, {
          algorithms: ['ES256'],
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: new Date(now),
          requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        }))
      } catch (cause) {
        throw new TokenError(
          cause instanceof Error && cause.name === 'JWTExpired'
            ? 'token expired'
            : 'token is not valid',
          { cause }
        )
      }
      const claims = TokenClaims.safeParse(payload)
      if (!claims.success) throw new TokenError('token claims are not TruePort claims')
      return claims.data
    },
  }
}

let cached: { raw: string; service: Promise<TokenService> } | undefined

/** The isolate's token service for this AUTH_SIGNING_KEY (parsed and imported once). */
export function tokensFor(raw: string | undefined): Promise<TokenService> {
  if (!raw) return Promise.reject(new Error('AUTH_SIGNING_KEY is not set'))
  if (cached?.raw !== raw) cached = { raw, service: tokenService(JSON.parse(raw) as JWK) }
  return cached.service
}
