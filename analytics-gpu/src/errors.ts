import type { z } from 'zod'

/** The one error type handlers throw; app.ts renders it in the OpenAI error shape. */
export class AnalyticsError extends Error {
  override name = 'AnalyticsError'
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

/** Parses input with a schema; a violation is a 400 naming the first offending field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  throw new AnalyticsError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid input'}`)
}
