import type { ProviderId } from '@trueport/contracts'
import { anthropicAdapter } from './anthropic'
import { geminiAdapter } from './gemini'
import { openAICompatible } from './openai-compatible'
import type { ProviderAdapter } from './types'

/** Default API version for Azure OpenAI when a deployment config names none. */
const AZURE_API_VERSION = '2024-10-21'

/**
 * Every provider's adapter. `satisfies Record<ProviderId, ...>` makes a provider added to the
 * contracts without an adapter a type error.
 */
export const adapters = {
  openai: openAICompatible({ id: 'openai', defaultBaseUrl: 'https://api.openai.com/v1' }),
  'azure-openai': openAICompatible({
    id: 'azure-openai',
    auth: (key) => ({ 'api-key': key }),
    modelInBody: false,
    chatPath: (t) =>
      `/openai/deployments/${encodeURIComponent(t.config.deployments?.[t.model] ?? t.model)}/chat/completions?api-version=${t.config.apiVersion ?? AZURE_API_VERSION}`,
    embeddingsPath: (t) =>
      `/openai/deployments/${encodeURIComponent(t.config.deployments?.[t.model] ?? t.model)}/embeddings?api-version=${t.config.apiVersion ?? AZURE_API_VERSION}`,
  }),
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  'workers-ai': openAICompatible({
    id: 'workers-ai',
    baseUrl: (t) =>
      t.config.accountId
        ? `https://api.cloudflare.com/client/v4/accounts/${t.config.accountId}/ai/v1`
        : undefined,
  }),
  groq: openAICompatible({ id: 'groq', defaultBaseUrl: 'https://api.groq.com/openai/v1' }),
  mistral: openAICompatible({ id: 'mistral', defaultBaseUrl: 'https://api.mistral.ai/v1' }),
  deepseek: openAICompatible({ id: 'deepseek', defaultBaseUrl: 'https://api.deepseek.com/v1' }),
  together: openAICompatible({ id: 'together', defaultBaseUrl: 'https://api.together.xyz/v1' }),
  fireworks: openAICompatible({
    id: 'fireworks',
    defaultBaseUrl: 'https://api.fireworks.ai/inference/v1',
  }),
  openrouter: openAICompatible({
    id: 'openrouter',
    defaultBaseUrl: 'https://openrouter.ai/api/v1',
  }),
  xai: openAICompatible({ id: 'xai', defaultBaseUrl: 'https://api.x.ai/v1' }),
  // vLLM, Ollama, LM Studio, ...: any OpenAI-compatible server at the configured baseUrl.
  custom: openAICompatible({ id: 'custom' }),
} as const satisfies Record<ProviderId, ProviderAdapter>

export function adapterFor(id: ProviderId): ProviderAdapter {
  return adapters[id]
}
