import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { freePort } from './net'

/** One message as the sink received it. */
export interface ReceivedMail {
  from: string
  to: string[]
  subject: string
  text: string
  html: string | null
  receivedAt: string
}

/** A running mail sink: SMTP in, and an HTTP inbox (`GET /messages?to=`) out. */
export interface MailSink {
  smtpPort: number
  inboxUrl: string
  messages: ReceivedMail[]
  stop(): Promise<void>
}

/**
 * Starts a real SMTP server (smtp-server) that accepts any sender on loopback, parses what
 * arrives with mailparser and keeps it in memory. The HTTP inbox lets tests in other processes
 * (workerd) read the mail, as MailHog would.
 */
export async function startMailSink(): Promise<MailSink> {
  const messages: ReceivedMail[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    // Any credentials are accepted: the sink is a real SMTP exchange, not a gatekeeper.
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username })
    },
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : null,
            receivedAt: new Date().toISOString(),
          })
          callback()
        })
        .catch((err: unknown) => callback(err as Error))
    },
  })
  const smtpPort = await freePort()
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject)
    smtp.listen(smtpPort, '127.0.0.1', () => resolve())
  })

  const inbox = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://inbox')
    // An HTTP mail API as well (what MAIL_URL=https://... talks to): JSON {from, to, subject, text}.
    if (req.method === 'POST' && url.pathname === '/api/send') {
      if (req.headers.authorization !== 'Bearer mail-api-token') {
        res.writeHead(401).end()
        return
      }
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString()))
      req.on('end', () => {
        const m = JSON.parse(body) as { from: string; to: string; subject: string; text: string }
        messages.push({
          from: m.from,
          to: [m.to],
          subject: m.subject,
          text: m.text,
          html: null,
          receivedAt: new Date().toISOString(),
        })
        res.writeHead(202).end()
      })
      return
    }
    if (req.method === 'DELETE' && url.pathname === '/messages') {
      messages.length = 0
      res.writeHead(204).end()
      return
    }
    if (req.method !== 'GET' || url.pathname !== '/messages') {
      res.writeHead(404).end()
      return
    }
    const to = url.searchParams.get('to')
    const list = to ? messages.filter((m) => m.to.includes(to)) : messages
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ messages: list }))
  })
  await new Promise<void>((resolve) => inbox.listen(0, '127.0.0.1', () => resolve()))
  const inboxPort = (inbox.address() as AddressInfo).port

  return {
    smtpPort,
    inboxUrl: `http://127.0.0.1:${inboxPort}`,
    messages,
    stop: async () => {
      inbox.closeAllConnections()
      await new Promise<void>((resolve) => inbox.close(() => resolve()))
      await new Promise<void>((resolve) => smtp.close(() => resolve()))
    },
  }
}
