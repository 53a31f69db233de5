import type { Actor } from '@trueport/contracts'
import type { Context } from 'hono'
import type { ControlEnv } from './env'

/** Who is making this control-plane change, from where: what the admin log records. */
export function actorOf(c: Context<ControlEnv>): Actor {
  const claims = c.get('claims')
  const ip = c.req.header('cf-connecting-ip')
  const ua = c.req.header('user-agent')
  return {
    userId: claims.sub,
    ...(claims.typ === 'scoped' ? { role: claims.role } : {}),
    ...(c.get('userEmail') ? { email: c.get('userEmail') } : {}),
    ...(ip ? { ip } : {}),
    ...(ua ? { userAgent: ua.slice(0, 200) } : {}),
    requestId: c.get('requestId'),
  }
}
