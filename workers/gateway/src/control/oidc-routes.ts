import { OidcProviders, SessionTokens } from '@trueport/contracts'
import { directoryStub } from '@trueport/durable-objects'
import { Hono, type Context } from 'hono'
import * as oauth from 'oauth4webapi'
import { z } from 'zod'
import { GatewayError } from '../errors'
import { secretLookup } from '../services/chat'
import type { ControlEnv } from './env'
import { identityRefusal } from './refusals'
import { mount } from './registry'
import { signIn } from './sessions'

type Configured = OidcProviders[string] & { name: string }

/** Issuers on plain http (a local provider) are accepted only outside staging and production. */
const insecureAllowed = (env: ControlEnv['Bindings']) =>
  ['local', 'dev', 'test'].includes(env.ENVIRONMENT)

function providerOf(c: Context<ControlEnv>): Configured {
  const raw = c.env.OIDC_PROVIDERS || '{}'
  const parsed = OidcProviders.safeParse(JSON.parse(raw))
  if (!parsed.success)
    throw new GatewayError('internal_error', 'sign-in providers are misconfigured', {
      detail: parsed.error.message,
    })
  const name = c.req.param('provider') ?? ''
  const config = parsed.data[name]
  if (!config) throw new GatewayError('not_found', `no sign-in provider "${name}"`)
  return { ...config, name }
}

/** Discovery documents, fetched once per issuer per isolate. */
const discovered = new Map<string, Promise<oauth.AuthorizationServer>>()

function serverOf(c: Context<ControlEnv>, p: Configured): Promise<oauth.AuthorizationServer> {
  let as = discovered.get(p.issuer)
  if (!as) {
    const issuer = new URL(p.issuer)
    as = oauth
      .discoveryRequest(issuer, {
        algorithm: 'oidc',
        [oauth.allowInsecureRequests]: insecureAllowed(c.env),
      })
      .then((res) => oauth.processDiscoveryResponse(issuer, res))
    as.catch(() => discovered.delete(p.issuer))
    discovered.set(p.issuer, as)
  }
  return as.catch((cause: unknown) => {
    throw new GatewayError(
      'upstream_unavailable',
      `the sign-in provider "${p.name}" cannot be reached`,
      { cause }
    )
  })
}

const redirectUri = (c: Context<ControlEnv>, p: Configured) =>
  `${new URL(c.req.url).origin}/api/v1/auth/oidc/${p.name}/callback`

/** Only the dashboard's own origin may receive tokens after a sign-in. */
function allowedReturn(c: Context<ControlEnv>, returnTo: string | undefined): string | null {
  if (!returnTo) return null
  const dashboard = c.env.DASHBOARD_URL
  if (!dashboard || new URL(returnTo).origin !== new URL(dashboard).origin)
    throw new GatewayError('invalid_request', 'returnTo must be on the dashboard', {
      param: 'returnTo',
    })
  return returnTo
}

/** Sign-in with an external identity provider: OIDC authorization code flow with PKCE. */
export const oidcRoutes = new Hono<ControlEnv>()

mount(
  oidcRoutes,
  {
    method: 'get',
    path: '/auth/oidc/:provider/start',
    summary: 'Start an OIDC sign-in (authorization code with PKCE): redirects to the provider',
    tag: 'auth',
    access: 'public',
    query: z.object({ returnTo: z.url().optional() }),
    status: 302,
  },
  async (c) => {
    const p = providerOf(c)
    const as = await serverOf(c, p)
    if (!as.authorization_endpoint)
      throw new GatewayError('upstream_error', 'the provider has no authorization endpoint')
    const verifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const nonce = oauth.generateRandomNonce()
    await directoryStub(c.env).saveOidcFlow({
      state,
      provider: p.name,
      verifier,
      nonce,
      returnTo: allowedReturn(c, c.req.query('returnTo')),
    })
    const url = new URL(as.authorization_endpoint)
    url.search = new URLSearchParams({
      client_id: p.clientId,
      redirect_uri: redirectUri(c, p),
      response_type: 'code',
      scope: p.scopes,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).toString()
    return c.redirect(url.toString(), 302)
  }
)

mount(
  oidcRoutes,
  {
    method: 'get',
    path: '/auth/oidc/:provider/callback',
    summary:
      'Finish an OIDC sign-in: the session tokens (or a redirect to the dashboard with them)',
    tag: 'auth',
    access: 'public',
    query: z.object({
      code: z.string().optional(),
      state: z.string().optional(),
      error: z.string().optional(),
    }),
    response: SessionTokens,
  },
  async (c) => {
    const p = providerOf(c)
    const url = new URL(c.req.url)
    const flow = await directoryStub(c.env).takeOidcFlow(url.searchParams.get('state') ?? '')
    if (!flow || flow.provider !== p.name)
      throw new GatewayError(
        'invalid_request',
        'this sign-in is unknown, expired or already used: start again'
      )
    const as = await serverOf(c, p)
    const client: oauth.Client = { client_id: p.clientId }
    const secret = secretLookup(c.env)(p.clientSecretSecret)
    if (!secret)
      throw new GatewayError('internal_error', `secret ${p.clientSecretSecret} is not set`)
    let claims: oauth.IDToken | undefined
    try {
      const params = oauth.validateAuthResponse(as, client, url, flow.state)
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(secret),
        params,
        redirectUri(c, p),
        flow.verifier,
        { [oauth.allowInsecureRequests]: insecureAllowed(c.env) }
      )
      const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: flow.nonce,
        requireIdToken: true,
      })
      claims = oauth.getValidatedIdTokenClaims(result)
      // Providers that keep profile claims out of the ID token serve them at userinfo.
      if (claims && typeof claims.email !== 'string' && as.userinfo_endpoint) {
        const info = await oauth.processUserInfoResponse(
          as,
          client,
          claims.sub,
          await oauth.userInfoRequest(as, client, result.access_token, {
            [oauth.allowInsecureRequests]: insecureAllowed(c.env),
          })
        )
        claims = { ...claims, email: info.email, email_verified: info.email_verified }
      }
    } catch (cause) {
      throw new GatewayError(
        'invalid_credentials',
        'the sign-in provider did not confirm this sign-in',
        {
          cause,
          detail: String(cause),
        }
      )
    }
    const email = typeof claims?.email === 'string' ? claims.email : undefined
    if (!claims || !email)
      throw new GatewayError(
        'invalid_credentials',
        'the provider shared no email address: allow the email scope'
      )
    const linked = await directoryStub(c.env).linkOidc({
      issuer: claims.iss,
      subject: claims.sub,
      email,
      emailVerified: claims.email_verified === true,
    })
    if (!linked.ok) identityRefusal(linked.error)
    const tokens = await signIn(c, linked.user)
    if (flow.returnTo) {
      const back = new URL(flow.returnTo)
      // Tokens travel in the fragment: never sent to a server, not kept in logs.
      back.hash = new URLSearchParams({
        access_token: tokens.accessToken,
        refresh_token: tokens.refreshToken,
      }).toString()
      return c.redirect(back.toString(), 302)
    }
    return c.json(tokens)
  }
)
