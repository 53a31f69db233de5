/**
 * The gateway routing configuration (PROVIDERS, schema GatewayProviders) that sends every
 * dialect to a mock provider at `baseUrl`: mock-gpt via the OpenAI adapter, mock-claude via the
 * Anthropic adapter, mock-gemini via the Gemini adapter (and any name with those prefixes, so
 * tests can use models of their own). Used by `npm start` and the tests.
 */
export function mockProvidersConfig(baseUrl: string) {
  return {
    upstreams: {
      'mock-openai': { provider: 'openai', baseUrl: `${baseUrl}/v1` },
      'mock-anthropic': { provider: 'anthropic', baseUrl },
      'mock-gemini': { provider: 'gemini', baseUrl },
      // Upstreams of their own for circuit-breaker tests, so an open breaker stays theirs.
      'mock-breaker-a': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
      'mock-breaker-b': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
      // The primary of the fallback-chain tests (its breaker is theirs alone).
      'mock-primary': { provider: 'openai', baseUrl: `${baseUrl}/v1`, breaker: { openMs: 1000 } },
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
      'mock-*': { upstream: 'mock-openai' },
    },
  }
}
