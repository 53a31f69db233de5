import { recordBody, recordText } from '@trueport/audit'
import type { AuditRecordV1, PrivacyMode } from '@trueport/contracts'
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../env'
import { GatewayError } from '../errors'
import { assembleStream } from '../lib/assemble'
import { recordAudit } from '../services/audit-sink'

const lenient = new TextDecoder()

interface Finished {
  /** Answered by the gateway's own middleware (a rate-limit refusal), not by the route. */
  refusedHere?: boolean
  status: number
  error?: { code: string; message: string }
  responseText: string
  stream: boolean
  headersMs: number
  totalMs: number
}

/**
 * Records every authenticated interaction, rate-limited and failed ones included, in its
 * tenant's audit trail. Everything happens after the answer is handed back (a stream is copied
 * as it flows and recorded when it ends), in waitUntil: logging never delays a response.
 */
export function auditTrail(): MiddlewareHandler<AppEnv> {
  return async function auditTrail(c, next) {
    const t0 = performance.now()
    const receivedAt = new Date()
    // Read (and cached) now, while the request is live: the record is built after the answer.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') await c.req.arrayBuffer()
    let thrown: unknown
    try {
      await next()
    } catch (err) {
      thrown = err
    }
    const headersMs = performance.now() - t0
    if (thrown !== undefined) {
      const e = thrown instanceof GatewayError ? thrown : undefined
      const error = {
        code: e?.code ?? 'internal_error',
        message: e?.publicMessage ?? 'internal error',
      }
      const finished: Finished = {
        refusedHere: true,
        status: e?.status ?? 500,
        error,
        responseText: JSON.stringify({ error }),
        stream: false,
        headersMs,
        totalMs: headersMs,
      }
      c.executionCtx.waitUntil(record(c, receivedAt, finished))
      throw thrown instanceof Error ? thrown : new Error('non-error thrown', { cause: thrown })
    }

    const res = c.res
    const base = { status: res.status, headersMs, ...errorOf(c) }
    if (res.body && res.headers.get('content-type')?.startsWith('text/event-stream')) {
      const [client, copy] = res.body.tee()
      c.res = new Response(client, res)
      c.executionCtx.waitUntil(
        new Response(copy).text().then(
          (text) =>
            record(c, receivedAt, {
              ...base,
              responseText: text,
              stream: true,
              totalMs: performance.now() - t0,
            }),
          () =>
            record(c, receivedAt, {
              ...base,
              responseText: '',
              stream: true,
              totalMs: performance.now() - t0,
            })
        )
      )
      return
    }
    c.executionCtx.waitUntil(
      res
        .clone()
        .text()
        .then((text) =>
          record(c, receivedAt, { ...base, responseText: text, stream: false, totalMs: headersMs })
        )
    )
  }
}

function errorOf(c: Context<AppEnv>): { error?: { code: string; message: string } } {
  const e = c.error
  if (!e) return {}
  return e instanceof GatewayError
    ? { error: { code: e.code, message: e.publicMessage } }
    : { error: { code: 'internal_error', message: 'internal error' } }
}

async function record(c: Context<AppEnv>, receivedAt: Date, f: Finished): Promise<void> {
  const key = c.get('apiKey')
  const privacy: PrivacyMode = key.privacy
  const bodyless = c.req.method === 'GET' || c.req.method === 'HEAD'
  const requestText = bodyless ? '' : lenient.decode(await c.req.arrayBuffer())
  const outcome = c.get('outcome')
  const upstreamMs = outcome?.upstreamMs ?? 0
  const url = new URL(c.req.url)
  const attempts = Number(c.res.headers.get('x-trueport-attempts') ?? outcome?.attempts ?? 0)
  const rec: AuditRecordV1 = {
    v: 1,
    id: c.get('requestId'),
    tenantId: key.tenantId,
    keyId: key.keyId,
    environment: key.environment,
    receivedAt: receivedAt.toISOString(),
    completedAt: new Date(receivedAt.getTime() + f.totalMs).toISOString(),
    route: {
      method: c.req.method,
      path: url.pathname,
      surface:
        c.get('surface')?.dialect ?? (url.pathname.startsWith('/v1/') ? 'openai' : 'passthrough'),
    },
    ...modelOf(requestText, url.pathname),
    ...(outcome && {
      provider: outcome.provider,
      upstream: outcome.upstream,
      servedModel: outcome.model,
    }),
    attempts: Number.isFinite(attempts) ? attempts : 0,
    stream: f.stream,
    status: f.status,
    ...(f.error && { error: f.error }),
    request: await recordBody(requestText, privacy),
    response: {
      ...(await recordBody(f.responseText, privacy)),
      ...(f.stream && { assembled: recordText(assembleStream(f.responseText), privacy) }),
    },
    ...(outcome?.usage && { usage: outcome.usage }),
    ...(outcome?.costMicroUsd !== undefined && {
      costMicroUsd: outcome.costMicroUsd,
      priceVersion: outcome.priceVersion,
    }),
    latency: {
      totalMs: round(f.totalMs),
      upstreamMs: round(upstreamMs),
      gatewayMs: round(Math.max(0, f.headersMs - upstreamMs)),
    },
    decisions: decisionsOf(c, f),
    client: {
      ...(c.req.header('cf-connecting-ip') && { ip: c.req.header('cf-connecting-ip') }),
      ...(c.req.header('user-agent') && { userAgent: c.req.header('user-agent') }),
    },
    privacy,
  }
  await recordAudit(c.env, key.tenantId, rec.id, JSON.stringify(rec), {
    hour: rec.receivedAt.slice(0, 13),
    keyId: key.keyId,
    model: rec.servedModel ?? rec.model ?? '',
    error: f.status >= 400,
    promptTokens: rec.usage?.prompt_tokens ?? 0,
    completionTokens: rec.usage?.completion_tokens ?? 0,
    costMicroUsd: rec.costMicroUsd ?? 0,
  })
}

const round = (ms: number) => Math.round(ms * 100) / 100

const MODEL = /"model"\s*:\s*"([^"\\]{1,200})"/

/** The model asked for: in the body (OpenAI, Anthropic) or the path (Gemini). */
function modelOf(body: string, path: string): { model?: string } {
  const inPath = /\/models\/([^/:]+)/.exec(path)?.[1]
  const model = inPath ? decodeURIComponent(inPath) : MODEL.exec(body)?.[1]
  return model ? { model } : {}
}

function decisionsOf(c: Context<AppEnv>, f: Finished): AuditRecordV1['decisions'] {
  const out: AuditRecordV1['decisions'] = []
  const code = f.error?.code
  const refused = f.refusedHere === true && code === 'rate_limited'
  if (c.get('settleTokens') || refused)
    out.push({ kind: 'rate_limit', outcome: refused ? 'refused' : 'admitted' })
  if (c.get('budget') || code === 'budget_exhausted')
    out.push({ kind: 'budget', outcome: code === 'budget_exhausted' ? 'refused' : 'reserved' })
  const outcome = c.get('outcome')
  if (outcome)
    out.push({
      kind: 'routing',
      outcome: `served by ${outcome.upstream}`,
      detail: `${outcome.attempts} attempt(s)`,
    })
  else if (code === 'no_target_available')
    out.push({ kind: 'routing', outcome: 'no target available' })
  return out
}
