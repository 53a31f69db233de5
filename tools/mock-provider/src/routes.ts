import { anthropic } from './dialects/anthropic'
import { gemini } from './dialects/gemini'
import { openai } from './dialects/openai'
import type { Dialect } from './dialects/types'

/** Model ids the mock advertises on GET /v1/models (it answers for any model name). */
export const MOCK_MODELS = ['mock-gpt', 'mock-claude', 'mock-gemini', 'mock-embed'] as const

export type Route =
  | { kind: 'completion'; dialect: Dialect }
  | { kind: 'embeddings' }
  | { kind: 'models' }
  | { kind: 'health' }
  | { kind: 'control'; action: 'script' | 'stats' | 'requests' | 'reset' }

/** Maps method and path to what the mock should do; `undefined` means 404. */
export function matchRoute(method: string, pathname: string): Route | undefined {
  if (method === 'GET' && pathname === '/healthz') return { kind: 'health' }
  if (method === 'GET' && pathname === '/v1/models') return { kind: 'models' }
  if (pathname.startsWith('/__mock/')) {
    const action = pathname.slice('/__mock/'.length)
    if (action === 'script' || action === 'stats' || action === 'requests' || action === 'reset') {
      return { kind: 'control', action }
    }
    return undefined
  }
  if (method !== 'POST') return undefined
  if (pathname === '/v1/chat/completions') return { kind: 'completion', dialect: openai }
  if (pathname === '/v1/embeddings') return { kind: 'embeddings' }
  if (pathname === '/v1/messages') return { kind: 'completion', dialect: anthropic }
  if (/^\/v1(beta)?\/models\/[^/:]+:(generateContent|streamGenerateContent)$/.test(pathname)) {
    return { kind: 'completion', dialect: gemini }
  }
  return undefined
}
