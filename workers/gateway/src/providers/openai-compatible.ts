import type { ProviderId } from '@trueport/contracts'
import { isRecord, str } from '../dialects/common'
import { OpenAIStreamDecoder } from '../dialects/openai/stream'
import { GatewayError } from '../errors'
import type { ProviderAdapter, Target } from './types'

export interface OpenAICompatibleOptions {
  id: ProviderId
  /** Base URL including the version segment, e.g. `https://api.groq.com/openai/v1`. */
  defaultBaseUrl?: string
  /** How the key is sent; most use a Bearer token. */
  auth?: (key: string) => Record<string, string>
  /** The base URL for a target when it depends on config (Workers AI's account id). */
  baseUrl?: (target: Target) => string | undefined
  /** The path of the chat endpoint for a target (Azure puts the deployment in it). */
  chatPath?: (target: Target) => string
  /** The embeddings path; absent when the provider has none. */
  embeddingsPath?: ((target: Target) => string) | null
  /** Whether `stream_options.include_usage` is understood (needed to get usage in streams). */
  streamUsage?: boolean
  /** Whether the model name goes in the body (Azure takes it from the deployment path). */
  modelInBody?: boolean
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })

/** The base URL a target uses, or a clear configuration error. */
export function baseUrlOf(target: Target, fallback: string | undefined): string {
  const url = target.config.baseUrl ?? fallback
  if (!url)
    throw new GatewayError(
      'upstream_unavailable',
      `upstream "${target.upstream}" has no baseUrl configured`
    )
  return url.replace(/\/+$/, '')
}

/**
 * Builds an adapter for a provider that speaks the OpenAI dialect. Each such provider is a few
 * lines of options; its requests and streams need no translation.
 */
export function openAICompatible(opts: OpenAICompatibleOptions): ProviderAdapter {
  const auth = opts.auth ?? bearer
  const base = (t: Target) => baseUrlOf(t, opts.baseUrl?.(t) ?? opts.defaultBaseUrl)
  const headers = (t: Target, json: boolean): Record<string, string> => ({
    ...(json ? { 'content-type': 'application/json' } : {}),
    ...(t.apiKey ? auth(t.apiKey) : {}),
    ...t.config.headers,
  })
  const embeddingsPath =
    opts.embeddingsPath === undefined ? () => '/embeddings' : opts.embeddingsPath
  return {
    id: opts.id,
    dialect: 'openai',
    chat(req, t) {
      const body: Record<string, unknown> = { ...req }
      if (opts.modelInBody === false) delete body.model
      else body.model = t.model
      if (req.stream && opts.streamUsage !== false) {
        // Usage is only sent in a stream when asked for; the gateway always needs it.
        body.stream_options = { ...req.stream_options, include_usage: true }
      }
      return {
        url: base(t) + (opts.chatPath?.(t) ?? '/chat/completions'),
        method: 'POST',
        headers: headers(t, true),
        body: JSON.stringify(body),
      }
    },
    parseChat: (body) => body as ReturnType<ProviderAdapter['parseChat']>,
    streamDecoder: () => new OpenAIStreamDecoder(),
    ...(embeddingsPath
      ? {
          embeddings(req, t) {
            const body =
              opts.modelInBody === false ? { ...req, model: undefined } : { ...req, model: t.model }
            return {
              url: base(t) + embeddingsPath(t),
              method: 'POST' as const,
              headers: headers(t, true),
              body: JSON.stringify(body),
            }
          },
        }
      : {}),
    passthrough: (path, search, t) => ({
      url: `${base(t)}/${path}${search}`,
      headers: headers(t, false),
    }),
    errorMessage: (body) =>
      isRecord(body) && isRecord(body.error) ? str(body.error.message) : undefined,
  }
}
