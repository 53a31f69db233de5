import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Dialect,
  EmbeddingsRequest,
  ProviderConfig,
  ProviderId,
} from '@trueport/contracts'
import type { SseEvent } from '../lib/sse'

/** A resolved destination for one attempt: which upstream, with which key, for which model. */
export interface Target {
  /** The upstream's name in the PROVIDERS configuration. */
  upstream: string
  config: ProviderConfig
  apiKey: string | undefined
  /** The model name the upstream knows. */
  model: string
}

/** Everything needed to send one HTTP request upstream. */
export interface UpstreamCall {
  url: string
  method: 'GET' | 'POST'
  headers: Record<string, string>
  body?: string
}

/** Stateful translation of one provider stream into canonical chunks. */
export interface StreamDecoder {
  /** Handles one SSE event; throws UpstreamStreamError when the provider reports an error. */
  event(ev: SseEvent): ChatCompletionChunk[]
  /** Called at the end of the body; throws UpstreamStreamError if the stream was cut short. */
  end(): ChatCompletionChunk[]
}

/**
 * One provider's quirks, as pure mappings. Generic code (routing, dispatch, surfaces) only ever
 * talks to this interface and never names a provider.
 */
export interface ProviderAdapter {
  readonly id: ProviderId
  /** The wire format its chat endpoint speaks. */
  readonly dialect: Dialect
  /** Builds the upstream chat request from the canonical one. */
  chat(req: ChatCompletionRequest, target: Target): UpstreamCall
  /** Parses the upstream's non-streamed chat answer into the canonical shape. */
  parseChat(body: unknown, target: Target): ChatCompletion
  /** A fresh decoder for one streamed chat answer. */
  streamDecoder(target: Target): StreamDecoder
  /** Builds an embeddings request, where the provider has an OpenAI-compatible one. */
  embeddings?(req: EmbeddingsRequest, target: Target): UpstreamCall
  /**
   * A provider-native request for `/{provider}/{path}`: the URL and auth headers to forward
   * the client's body with, unchanged.
   */
  passthrough(
    path: string,
    search: string,
    target: Target
  ): { url: string; headers: Record<string, string> }
  /** The human-readable message inside one of the provider's error bodies. */
  errorMessage(body: unknown): string | undefined
}
