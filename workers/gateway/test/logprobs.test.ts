import type { ChatCompletion, ChatCompletionChunk, TokenLogprob } from '@trueport/contracts'
import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { logprobsFromGemini, logprobsToGemini } from '../src/dialects/gemini/logprobs'
import { newTenant, ORIGIN, post } from './helpers'
import { sseData } from './surfaces'

let key: string
beforeAll(async () => {
  key = (await newTenant()).apiKey.key
})

const answer = (model: string) =>
  `Hello from the TruePort mock provider (${model}). You said: "ping".`

const ask = (model: string, stream: boolean, extra: object = { logprobs: true, top_logprobs: 2 }) =>
  post('/v1/chat/completions', key, {
    model,
    stream,
    messages: [{ role: 'user', content: 'ping' }],
    ...extra,
  })

function expectTokens(tokens: TokenLogprob[] | null | undefined, text: string) {
  expect(tokens?.map((t) => t.token).join('')).toBe(text)
  for (const t of tokens ?? []) {
    expect(t.logprob).toBeLessThan(0)
    expect(t.bytes).toEqual(Array.from(new TextEncoder().encode(t.token)))
    expect(t.top_logprobs).toHaveLength(2)
    expect(t.top_logprobs[0]?.token).toBe(t.token)
  }
}

describe.each(['mock-gpt', 'mock-gemini'])('OpenAI client, logprobs from %s', (model) => {
  it('non-streamed: one entry per token, with the requested alternatives', async () => {
    const res = await ask(model, false)
    expect(res.status).toBe(200)
    const body = await res.json<ChatCompletion>()
    expectTokens(body.choices[0]?.logprobs?.content, answer(model))
  })

  it('streamed: each text chunk carries its tokens', async () => {
    const res = await ask(model, true)
    expect(res.status).toBe(200)
    const chunks = sseData(await res.text()) as unknown as ChatCompletionChunk[]
    const tokens = chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? [])
    expectTokens(tokens, answer(model))
  })

  it('are absent when not asked for', async () => {
    const res = await ask(model, false, {})
    const body = await res.json<ChatCompletion>()
    expect(body.choices[0]?.logprobs ?? null).toBeNull()
  })
})

describe('Gemini client, logprobs from an OpenAI provider', () => {
  const generate = (stream: boolean) =>
    SELF.fetch(
      `${ORIGIN}/v1beta/models/mock-gpt:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
        body: JSON.stringify({
          contents: [{ role: 'user', parts: [{ text: 'ping' }] }],
          generationConfig: { responseLogprobs: true, logprobs: 2 },
        }),
      }
    )
  interface Candidate {
    logprobsResult?: {
      chosenCandidates: { token: string; logProbability: number }[]
      topCandidates: { candidates: { token: string }[] }[]
    }
    avgLogprobs?: number
  }

  it('non-streamed: logprobsResult with chosen and top candidates, and avgLogprobs', async () => {
    const res = await generate(false)
    expect(res.status).toBe(200)
    const cand = (await res.json<{ candidates: Candidate[] }>()).candidates[0]
    const chosen = cand?.logprobsResult?.chosenCandidates ?? []
    expect(chosen.map((c) => c.token).join('')).toBe(answer('mock-gpt'))
    expect(cand?.logprobsResult?.topCandidates[0]?.candidates).toHaveLength(2)
    const avg = chosen.reduce((s, c) => s + c.logProbability, 0) / chosen.length
    expect(cand?.avgLogprobs).toBeCloseTo(avg, 10)
  })

  it('streamed: each frame carries the logprobs of its text', async () => {
    const res = await generate(true)
    expect(res.status).toBe(200)
    const frames = sseData(await res.text()) as unknown as { candidates: Candidate[] }[]
    const tokens = frames.flatMap(
      (f) => f.candidates[0]?.logprobsResult?.chosenCandidates.map((c) => c.token) ?? []
    )
    expect(tokens.join('')).toBe(answer('mock-gpt'))
  })
})

describe('Gemini logprobs mapping', () => {
  it('pairs each chosen token with the alternatives of the same step, and back', () => {
    const gemini = {
      chosenCandidates: [
        { token: 'Hi', logProbability: -0.1 },
        { token: ' é', logProbability: -0.5 },
      ],
      topCandidates: [
        { candidates: [{ token: 'Hi', logProbability: -0.1 }] },
        {
          candidates: [
            { token: ' é', logProbability: -0.5 },
            { token: ' e', logProbability: -1.5 },
          ],
        },
      ],
    }
    const openai = logprobsFromGemini(gemini)
    expect(openai?.content?.[1]).toEqual({
      token: ' é',
      logprob: -0.5,
      bytes: [32, 195, 169],
      top_logprobs: [
        { token: ' é', logprob: -0.5, bytes: [32, 195, 169] },
        { token: ' e', logprob: -1.5, bytes: [32, 101] },
      ],
    })
    const back = logprobsToGemini(openai)
    expect(back.logprobsResult?.chosenCandidates).toEqual(gemini.chosenCandidates)
    expect(back.logprobsResult?.topCandidates).toEqual(gemini.topCandidates)
    expect(back.avgLogprobs).toBeCloseTo(-0.3, 10)
  })

  it('ignores malformed entries instead of failing the response', () => {
    expect(logprobsFromGemini('nope')).toBeUndefined()
    expect(logprobsFromGemini({ chosenCandidates: [null, { token: 'a' }, 3] })?.content).toEqual([
      { token: 'a', logprob: 0, bytes: [97], top_logprobs: [] },
    ])
    expect(logprobsToGemini(null)).toEqual({})
  })
})
