/**
 * Passes an upstream SSE body through chunk by chunk. If the upstream fails mid-stream (reset,
 * cut connection), the client receives one final error event instead of a clean end, so an SDK
 * never mistakes a truncated answer for a complete one.
 */
export function guardSseStream(
  upstream: ReadableStream<Uint8Array>,
  errorEvent: (cause: unknown) => string
): ReadableStream<Uint8Array> {
  const reader = upstream.getReader()
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (cause) {
        controller.enqueue(encoder.encode(errorEvent(cause)))
        controller.close()
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}
