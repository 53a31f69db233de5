/**
 * The gateway routing configuration (PROVIDERS, schema GatewayProviders) that sends every
 * dialect to a mock provider at `baseUrl`: mock-gpt via the OpenAI adapter, mock-claude via the
 * Anthropic adapter, mock-gemini via the Gemini adapter (and any name with those prefixes, so
 * tests can use models of their own). Used by `npm start` and the tests.
 */
const patient = { failureThreshold: 1000, minRequests: 100_000 }

export function mockProvidersConfig(baseUrl: string) {
  return {
    upstreams: {
      // Shared by every dialect test, many of which inject failures on purpose: their breakers
      // would open and fail unrelated tests, so they only open on a flood.
      'mock-openai': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: patient },
      'mock-anthropic': { provider: 'anthropic', baseUrl, breaker: patient },
      'mock-gemini': { provider: 'gemini', baseUrl, breaker: patient },
      // Upstreams of their own for circuit-breaker tests, so an open breaker stays theirs.
      'mock-breaker-a': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
      'mock-breaker-b': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
      // The primary of the fallback-chain tests (its breaker is theirs alone).
      'mock-primary': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
      // Load balancing: two members of one pool.
      'mock-pool-a': { provider: 'openai', baseUrl: `${baseUrl}/v1` },
      'mock-pool-b': { provider: 'openai', baseUrl: `${baseUrl}/v1` },
      // Retries and timeouts: a breaker patient enough not to open during those tests.
      'mock-retry': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: patient },
      // Streams cut mid-way must open this one.
      'mock-breaker-stream': {
        provider: 'openai',
        baseUrl: `${baseUrl}/v1`,
        breaker: { failureThreshold: 3, openMs: 1000 },
      },
    },
    models: {
      'mock-gpt': { upstream: 'mock-openai' },
      'mock-claude': { upstream: 'mock-anthropic' },
      'mock-gemini': { upstream: 'mock-gemini' },
      'mock-embed': { upstream: 'mock-openai' },
      'mock-claude*': { upstream: 'mock-anthropic' },
      'mock-gemini*': { upstream: 'mock-gemini' },
      'mock-breaker-a*': { upstream: 'mock-breaker-a' },
      'mock-breaker-b*': { upstream: 'mock-breaker-b' },
      // Fails over to another provider (and dialect) under another model name.
      'mock-failover*': {
        upstream: 'mock-primary',
        fallbacks: [{ upstream: 'mock-anthropic', model: 'mock-claude-failover' }],
      },
      // Three shares to a, one to b; each names the model so the answer shows who served it.
      'mock-pool*': {
        pool: [
          { upstream: 'mock-pool-a', model: 'mock-pool-served-by-a', weight: 3 },
          { upstream: 'mock-pool-b', model: 'mock-pool-served-by-b', weight: 1 },
        ],
      },
      'mock-retry*': {
        upstream: 'mock-retry',
        retry: { attempts: 2, baseDelayMs: 50, maxDelayMs: 200, maxRetryAfterMs: 1500 },
      },
      'mock-deadline*': {
        upstream: 'mock-retry',
        retry: { attempts: 5, baseDelayMs: 10, maxDelayMs: 20 },
        timeouts: { attemptMs: 300, totalMs: 800 },
      },
      'mock-idle*': {
        upstream: 'mock-retry',
        timeouts: { attemptMs: 300, streamIdleMs: 400 },
      },
      'mock-breaker-stream*': { upstream: 'mock-breaker-stream' },
      'mock-*': { upstream: 'mock-openai' },
    },
  }
}
