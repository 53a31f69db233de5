import { createTransport } from 'nodemailer'
import { describe, expect, inject, it } from 'vitest'

const { smtpPort, mailInboxUrl } = inject('services')

describe('nodemailer against a real SMTP server', () => {
  const transport = createTransport({
    host: '127.0.0.1',
    port: smtpPort,
    secure: false,
    ignoreTLS: true,
  })

  it('delivers a message that the sink parses and exposes through its inbox', async () => {
    const to = `alice+${Date.now()}@example.test`
    const info = await transport.sendMail({
      from: 'TruePort <no-reply@trueport.test>',
      to,
      subject: 'Your sign-in code',
      text: 'Your code is 123456',
    })
    expect(info.accepted).toEqual([to])

    const res = await fetch(`${mailInboxUrl}/messages?to=${encodeURIComponent(to)}`)
    const { messages } = (await res.json()) as {
      messages: { subject: string; text: string; from: string }[]
    }
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({
      subject: 'Your sign-in code',
      from: 'no-reply@trueport.test',
    })
    expect(messages[0]?.text.trim()).toBe('Your code is 123456')
  })
})
