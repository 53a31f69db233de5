import { WorkerMailer, LogLevel } from 'worker-mailer'
import { GatewayError } from '../errors'

/** One message the control plane sends (codes, invites). */
export interface Mail {
  to: string
  subject: string
  text: string
}

/** Sends mail; which transport is chosen by MAIL_URL. */
export interface Mailer {
  send(mail: Mail): Promise<void>
}

/**
 * The transport MAIL_URL names:
 * - `smtp://user:pass@host:port` (or `smtps://`): SMTP over Workers TCP sockets (worker-mailer),
 *   STARTTLS when the server offers it;
 * - `https://...`: an HTTP mail API, sent `POST {from, to, subject, text}` as JSON with the
 *   URL's userinfo as a bearer token;
 * - `log:` (local runs without a mail server): printed to the Worker's log.
 */
export function mailerFor(url: string | undefined, from: string): Mailer {
  return {
    async send(mail) {
      try {
        // Built per send: a misconfigured MAIL_URL fails the send that needs it, clearly.
        await transportFor(url, from).send(mail)
      } catch (cause) {
        throw new GatewayError('upstream_unavailable', 'mail could not be sent: try again', {
          cause,
          detail: String(cause),
        })
      }
    },
  }
}

function transportFor(url: string | undefined, from: string): Mailer {
  if (!url) throw new Error('MAIL_URL is not set: the control plane cannot send codes or invites')
  const u = new URL(url)
  if (u.protocol === 'log:')
    return {
      async send(mail) {
        console.log(`mail to ${mail.to}: ${mail.subject}\n${mail.text}`)
      },
    }
  if (u.protocol === 'smtp:' || u.protocol === 'smtps:')
    return {
      async send(mail) {
        const secure = u.protocol === 'smtps:'
        const mailer = await WorkerMailer.connect({
          host: u.hostname,
          port: Number(u.port) || (secure ? 465 : 587),
          secure,
          ...(u.username
            ? {
                credentials: {
                  username: decodeURIComponent(u.username),
                  password: decodeURIComponent(u.password),
                },
                authType: ['plain', 'login'],
              }
            : {}),
          logLevel: LogLevel.WARN,
          socketTimeoutMs: 10_000,
          responseTimeoutMs: 10_000,
        })
        try {
          await mailer.send({
            from: sender(from),
            to: mail.to,
            subject: mail.subject,
            text: mail.text,
          })
        } finally {
          await mailer.close().catch(() => undefined)
        }
      },
    }
  if (u.protocol === 'https:' || u.protocol === 'http:') {
    const token = u.username ? decodeURIComponent(u.username) : undefined
    const endpoint = `${u.protocol}//${u.host}${u.pathname}${u.search}`
    return {
      async send(mail) {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify({ from, ...mail }),
        })
        if (!res.ok) throw new Error(`mail API answered ${res.status}`)
      },
    }
  }
  throw new Error(`MAIL_URL: unsupported transport ${u.protocol}`)
}

/** `Name <address>` or a bare address, as SMTP's envelope wants it. */
function sender(from: string): { name?: string; email: string } {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(from)
  return m?.[2] ? { ...(m[1] ? { name: m[1] } : {}), email: m[2] } : { email: from.trim() }
}
