/**
 * @trueport/mock-provider: a deterministic LLM provider for local runs, tests and benchmarks.
 * It speaks the OpenAI, Anthropic and Gemini wire formats, streaming and not, with injectable
 * latency and faults, so nothing in TruePort's own tests ever needs the internet.
 */
export { startMockProvider } from './server'
export type { MockProvider, MockProviderOptions, RecordedRequest } from './server'
export { parseFault, FaultScript } from './faults'
export type { Fault } from './faults'
export { MOCK_MODELS } from './routes'
export { replyText, countTokens } from './text'
export { mockProvidersConfig } from './gateway-config'
