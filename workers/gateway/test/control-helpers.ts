import type { Environment, ScopedTokenResponse, SessionTokens } from '@trueport/contracts'
import { SELF } from 'cloudflare:test'
import { inject } from 'vitest'
import { ORIGIN, newTenant } from './helpers'

/** Calls the control API. */
export const api = (
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {}
) =>
  SELF.fetch(`${ORIGIN}/api/v1${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })

/** Calls the control API and parses the JSON answer, failing loudly on an unexpected status. */
export async function call<T>(
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  expected: number
): Promise<T> {
  const res = await api(method, path, token, body)
  const text = await res.text()
  if (res.status !== expected)
    throw new Error(`${method} ${path}: expected ${expected}, got ${res.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

export const errorCode = async (res: Response) =>
  (await res.json<{ error: { code: string } }>()).error.code

export const PASSWORD = 'correct horse battery staple'

/** Signs in with email and password. */
export const login = (email: string, password = PASSWORD) =>
  call<SessionTokens>('POST', '/auth/login', undefined, { email, password }, 200)

/** A scoped token for the signed-in user in a tenant and environment. */
export const scopeTo = (token: string, tenantId: string, environment: Environment = 'dev') =>
  call<ScopedTokenResponse>('POST', '/auth/scope', token, { tenantId, environment }, 200)

/** A fresh tenant, its owner signed in, and the owner's scoped token. */
export async function ownedTenant() {
  const tenant = await newTenant()
  const ownerEmail = `owner@${tenant.slug}.example`
  const session = await login(ownerEmail)
  const scoped = await scopeTo(session.accessToken, tenant.tenantId)
  return { ...tenant, ownerEmail, session, owner: scoped.accessToken }
}

/** The messages the SMTP server received for `to`, oldest first. */
export async function inbox(to: string): Promise<{ subject: string; text: string }[]> {
  const res = await fetch(`${inject('mail').inboxUrl}/messages?to=${encodeURIComponent(to)}`)
  return (await res.json<{ messages: { subject: string; text: string }[] }>()).messages
}

/** Waits for the n-th message to `to` (SMTP delivery is asynchronous to the API answer). */
export async function nthMail(to: string, n = 1): Promise<{ subject: string; text: string }> {
  for (let i = 0; i < 100; i++) {
    const messages = await inbox(to)
    const m = messages[n - 1]
    if (m) return m
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`no mail #${n} for ${to}`)
}

let counter = 0
/** A unique email address for this test run. */
export const uniqueEmail = (who: string) =>
  `${who}-${Date.now().toString(36)}-${++counter}@people.example`
