import { CompactSign, compactVerify, exportJWK, importJWK, type JWK } from 'jose'

/**
 * The key that signs batch headers and manifests: ES256 (ECDSA P-256), from a JWK kept as a
 * secret. Its public half is published, so anyone holding the objects can check them without
 * trusting the gateway or the bucket.
 */
export interface AuditSigner {
  kid: string
  sign(payload: Uint8Array): Promise<string>
  publicJwk: JWK
}

export async function signerFromJwk(privateJwk: JWK): Promise<AuditSigner> {
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d)
    throw new Error('the audit signing key must be a private EC P-256 JWK')
  const key = await importJWK(privateJwk, 'ES256')
  const { d: _d, ...pub } = privateJwk
  const kid = privateJwk.kid ?? 'audit'
  return {
    kid,
    publicJwk: { ...pub, kid, alg: 'ES256', use: 'sig' },
    sign: (payload) => new CompactSign(payload).setProtectedHeader({ alg: 'ES256', kid }).sign(key),
  }
}

/** A fresh signing key (for local runs and tests; production keeps one in a secret). */
export async function generateSigningJwk(kid = 'audit'): Promise<JWK> {
  // Typed CryptoKey | CryptoKeyPair by the Workers types: this call always makes a pair.
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as { privateKey: Parameters<typeof exportJWK>[0] }
  return { ...(await exportJWK(pair.privateKey)), kid, alg: 'ES256' }
}

/** The payload of a JWS if its signature holds under one of `keys`, else undefined. */
export async function verifySigned(jws: string, keys: JWK[]): Promise<Uint8Array | undefined> {
  for (const jwk of keys) {
    try {
      const { payload } = await compactVerify(jws, await importJWK(jwk, 'ES256'), {
        algorithms: ['ES256'],
      })
      return payload
    } catch {
      // Not this key (or not a valid signature at all): try the next.
    }
  }
  return undefined
}
