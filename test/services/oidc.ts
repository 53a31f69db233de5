import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

/** The account the next sign-in at the local provider logs in as. */
export interface OidcAccount {
  sub: string
  email: string
  emailVerified: boolean
}

export interface OidcServer {
  issuer: string
  clientId: string
  clientSecret: string
  stop(): Promise<void>
}

/**
 * A real OpenID Connect provider (panva's oidc-provider) on loopback: discovery, JWKS,
 * authorization code with PKCE, token endpoint and signed ID tokens, as Google, GitHub's OIDC
 * or Microsoft run them. Only the human part is automated: `/interaction/:uid` signs in as the
 * account last set with `POST /__test/account` and consents at once.
 */
export async function startOidcProvider(redirectUris: string[]): Promise<OidcServer> {
  const accounts = new Map<string, OidcAccount>()
  let next: OidcAccount = { sub: 'user-1', email: 'user-1@idp.example', emailVerified: true }
  const clientId = 'trueport-gateway'
  const clientSecret = 'local-oidc-client-secret'

  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const a = accounts.get(sub)
      return a
        ? {
            accountId: sub,
            claims: () => ({ sub, email: a.email, email_verified: a.emailVerified }),
          }
        : undefined
    },
    cookies: { keys: ['local-oidc-cookie-key'] },
  })
  const callback = provider.callback()

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res)
    if (details.prompt.name === 'login') {
      accounts.set(next.sub, next)
      await provider.interactionFinished(req, res, { login: { accountId: next.sub } })
      return
    }
    const grant = new provider.Grant({
      accountId: details.session?.accountId ?? next.sub,
      clientId: String(details.params.client_id),
    })
    grant.addOIDCScope(String(details.params.scope))
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } })
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', issuer).pathname
    if (req.method === 'POST' && path === '/__test/account') {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        next = JSON.parse(body) as OidcAccount
        res.writeHead(204).end()
      })
      return
    }
    if (path.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err))
      })
      return
    }
    void callback(req, res)
  })

  return {
    issuer,
    clientId,
    clientSecret,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
