import type { SessionTokens } from '@trueport/contracts'
import { directoryStub, type UserRecord } from '@trueport/durable-objects'
import type { Context } from 'hono'
import { ACCESS_TOKEN_TTL_S, tokensFor } from '../auth/tokens'
import type { ControlEnv } from './env'

/** Starts a session for a user who just proved who they are, and answers its tokens. */
export async function signIn(c: Context<ControlEnv>, user: UserRecord): Promise<SessionTokens> {
  const session = await directoryStub(c.env).startSession(user.id, {
    ip: c.req.header('cf-connecting-ip'),
    userAgent: c.req.header('user-agent')?.slice(0, 200),
  })
  return tokensOf(c, user, session.sessionId, session.refreshToken)
}

/** A session's token pair: a fresh global access token, and its current refresh token. */
export async function tokensOf(
  c: Context<ControlEnv>,
  user: Pick<UserRecord, 'id' | 'email'>,
  sessionId: string,
  refreshToken: string
): Promise<SessionTokens> {
  const tokens = await tokensFor(c.env.AUTH_SIGNING_KEY)
  return {
    tokenType: 'Bearer',
    accessToken: await tokens.issueGlobal(user.id, Date.now(), sessionId),
    expiresIn: ACCESS_TOKEN_TTL_S,
    refreshToken,
    user: { id: user.id, email: user.email },
  }
}
