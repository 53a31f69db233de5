import type { ChatCompletion, Dialect, ErrorCode } from '@trueport/contracts'
import type { ChunkEncoder } from '../lib/streams'

/**
 * The API a client speaks to the gateway (OpenAI, Anthropic or Gemini): how answers, streams
 * and errors are rendered for it. Requests are parsed by each surface's route, since their
 * inputs differ (body, path, query).
 */
export interface ClientSurface {
  readonly dialect: Dialect
  render(completion: ChatCompletion): unknown
  encoder(id: string, model: string): ChunkEncoder
  /** The frame that ends a stream whose upstream failed. */
  errorFrame(message: string, requestId: string | undefined): string
  /** An error body this dialect's SDKs parse, still carrying TruePort's stable code. */
  errorBody(
    code: ErrorCode,
    status: number,
    message: string,
    requestId: string | undefined,
    param?: string
  ): unknown
}
