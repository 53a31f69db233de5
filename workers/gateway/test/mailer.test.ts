import { describe, expect, inject, it } from 'vitest'
import { mailerFor } from '../src/services/mailer'
import { uniqueEmail, nthMail } from './control-helpers'

describe('mail transports', () => {
  it('SMTP with credentials, to a real SMTP server', async () => {
    const to = uniqueEmail('smtp')
    await mailerFor(
      `smtp://u:p@127.0.0.1:${inject('mail').smtpPort}`,
      'TruePort <no-reply@t.example>'
    ).send({
      to,
      subject: 'over smtp',
      text: 'hello',
    })
    expect(await nthMail(to)).toMatchObject({
      subject: 'over smtp',
      text: expect.stringContaining('hello'),
    })
  })

  it('an HTTP mail API with a bearer token', async () => {
    const to = uniqueEmail('http')
    const api = new URL('/api/send', inject('mail').inboxUrl)
    api.username = 'mail-api-token'
    await mailerFor(api.toString(), 'no-reply@t.example').send({
      to,
      subject: 'over http',
      text: 'hi',
    })
    expect(await nthMail(to)).toMatchObject({ subject: 'over http' })
    api.username = 'wrong'
    await expect(
      mailerFor(api.toString(), 'x@t.example').send({ to, subject: 's', text: 't' })
    ).rejects.toMatchObject({ code: 'upstream_unavailable' })
  })

  it('fails clearly: a closed SMTP port, an unknown transport, none configured', async () => {
    await expect(
      mailerFor('smtp://127.0.0.1:9', 'x@t.example').send({
        to: 'a@b.example',
        subject: 's',
        text: 't',
      })
    ).rejects.toMatchObject({ code: 'upstream_unavailable' })
    await expect(
      mailerFor('ftp://x', 'x@t.example').send({ to: 'a@b.example', subject: 's', text: 't' })
    ).rejects.toMatchObject({ code: 'upstream_unavailable' })
    await expect(
      mailerFor(undefined, 'x@t.example').send({ to: 'a@b.example', subject: 's', text: 't' })
    ).rejects.toMatchObject({ code: 'upstream_unavailable' })
  })
})
