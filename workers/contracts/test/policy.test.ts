import { describe, expect, it } from 'vitest'
import { PolicyDocument, layerError, modelRefusal, resolvePolicy } from '../src'

describe('resolvePolicy', () => {
  it('applies defaults when no layer is set', () => {
    const r = resolvePolicy([])
    expect(r.limits).toEqual({ requestsPerMinute: 60, tokensPerMinute: 1_000_000 })
    expect(r.privacy).toBe('full')
    expect(r.allowModels).toEqual([])
    expect(r.versions).toBe('')
  })

  it('lower layers override numbers field by field and accumulate lists', () => {
    const r = resolvePolicy([
      {
        scope: 'platform',
        version: 1,
        document: {
          rateLimits: { perKey: { requestsPerMinute: 100, tokensPerMinute: 5 } },
          guardrails: { blockedTerms: ['Secret'] },
        },
      },
      {
        scope: 'tenant',
        version: 3,
        document: {
          rateLimits: { perKey: { requestsPerMinute: 50 } },
          models: { allow: ['gpt-*'], deny: ['gpt-4o'] },
        },
      },
      {
        scope: 'env:prod',
        version: 1,
        document: {
          logging: { privacy: 'redacted' },
          guardrails: { blockedTerms: ['secret', 'zeus'] },
        },
      },
      {
        scope: 'key:key_AAAAAAAAAAAAAAAAAAAA',
        version: 2,
        document: {
          models: { allow: ['gpt-4o', 'claude-*'] },
          routing: { aliases: { fast: 'gpt-4o-mini' } },
        },
      },
    ])
    expect(r.limits).toEqual({ requestsPerMinute: 50, tokensPerMinute: 5 })
    expect(r.privacy).toBe('redacted')
    expect(r.blockedTerms).toEqual(['secret', 'zeus'])
    expect(r.aliases).toEqual({ fast: 'gpt-4o-mini' })
    expect(r.versions).toBe('platform@1 tenant@3 env:prod@1 key:key_AAAAAAAAAAAAAAAAAAAA@2')
    // Allowed by both lists: gpt-4o is denied anyway; claude is outside the tenant's list.
    expect(modelRefusal(r, 'gpt-4o')).toMatch(/denied/)
    expect(modelRefusal(r, 'claude-3')).toMatch(/not in/)
    expect(modelRefusal({ ...r, denyModels: [] }, 'gpt-4o')).toBeNull()
  })

  it('keeps tenant-wide settings to the tenant layer and validates documents strictly', () => {
    expect(layerError('env:dev', { budgets: { perTenant: { dailyMicroUsd: 1 } } })).toMatch(
      /tenant layer/
    )
    expect(layerError('tenant', { budgets: { perTenant: { dailyMicroUsd: 1 } } })).toBeNull()
    expect(PolicyDocument.safeParse({ models: { allow: ['bad model name'] } }).success).toBe(false)
    expect(PolicyDocument.safeParse({ extra: 1 }).success).toBe(false)
    expect(PolicyDocument.safeParse({ budgets: { warnAt: [0.5, 0.9] } }).success).toBe(true)
  })
})
