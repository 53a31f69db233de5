import { describe, expect, it } from 'vitest'
import {
  ApiKeyToken,
  BootstrapRequest,
  ChatCompletionRequest,
  ERROR_STATUS,
  ERROR_TYPES,
  ErrorBody,
  ErrorCode,
} from '../src'

describe('error codes', () => {
  it('give every code a 4xx/5xx status and an OpenAI error type', () => {
    for (const code of ErrorCode.options) {
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400)
      expect(ERROR_STATUS[code]).toBeLessThan(600)
      // OpenAI's own quota error is the one type without the suffix.
      expect(ERROR_TYPES[code]).toMatch(/_error$|^insufficient_quota$/)
    }
  })

  it('never answer a client mistake with a 5xx', () => {
    const clientMistakes = [
      'invalid_json',
      'invalid_request',
      'body_too_large',
      'model_not_found',
      'invalid_api_key',
    ] as const
    for (const code of clientMistakes) expect(ERROR_STATUS[code]).toBeLessThan(500)
  })

  it('parse the OpenAI error shape and refuse unknown codes', () => {
    const body = {
      error: { message: 'm', type: 'invalid_request_error', code: 'invalid_json', param: null },
    }
    expect(ErrorBody.parse(body)).toEqual(body)
    expect(ErrorBody.safeParse({ error: { ...body.error, code: 'made_up' } }).success).toBe(false)
  })
})

describe('ChatCompletionRequest', () => {
  const valid = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }

  it('accepts a minimal request and keeps provider-specific fields', () => {
    const parsed = ChatCompletionRequest.parse({ ...valid, logit_bias: { 1: 2 } })
    expect(parsed).toMatchObject({ model: 'gpt-4o', logit_bias: { 1: 2 } })
  })

  it.each([
    ['no messages', { model: 'm', messages: [] }, 'messages'],
    ['a bad role', { model: 'm', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
    ['temperature out of range', { ...valid, temperature: 3 }, 'temperature'],
    ['a non-integer max_tokens', { ...valid, max_tokens: 1.5 }, 'max_tokens'],
    ['an empty model', { ...valid, model: '' }, 'model'],
  ])('rejects %s, naming the field', (_name, body, path) => {
    const result = ChatCompletionRequest.safeParse(body)
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path.join('.')).toBe(path)
  })
})

describe('tenancy schemas', () => {
  it('validate bootstrap input strictly', () => {
    const ok = {
      tenant: { slug: 'acme-corp', name: 'Acme' },
      admin: { email: 'a@acme.test', password: 'a-long-enough-password' },
    }
    expect(BootstrapRequest.parse(ok)).toEqual(ok)
    expect(
      BootstrapRequest.safeParse({ ...ok, tenant: { slug: 'Acme Corp', name: 'x' } }).success
    ).toBe(false)
    expect(
      BootstrapRequest.safeParse({ ...ok, admin: { ...ok.admin, password: 'short' } }).success
    ).toBe(false)
    expect(BootstrapRequest.parse({ ...ok, apiKey: { name: 'k' } }).apiKey?.environment).toBe('dev')
  })

  it('recognise TruePort key shapes only', () => {
    expect(ApiKeyToken.safeParse(`tp_prod_${'a'.repeat(40)}`).success).toBe(true)
    expect(ApiKeyToken.safeParse(`tp_qa_${'a'.repeat(40)}`).success).toBe(false)
    expect(ApiKeyToken.safeParse(`sk-${'a'.repeat(40)}`).success).toBe(false)
  })
})
