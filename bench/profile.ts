/**
 * `npm run bench:profile [-- stream]`: where the gateway's CPU goes. Runs the built bundle like
 * the bench, drives it with oha for a few seconds while V8's sampling profiler records through
 * the inspector, and prints the functions with the most self time.
 */
import { mockProvidersConfig, startMockProvider } from '@trueport/mock-provider'
import { WebSocket } from 'undici'
import { startGateway } from '../test/support/gateway'
import { oha } from './lib/oha'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
}

const INSPECTOR_PORT = 9339
const stream = process.argv[2] === 'stream'

const mock = await startMockProvider()
const gw = await startGateway(
  { PROVIDERS: JSON.stringify(mockProvidersConfig(mock.url)) },
  { inspectorPort: INSPECTOR_PORT }
)
const key = await gw.newKey('profile')

const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json()) as {
  webSocketDebuggerUrl: string
  title: string
}[]
const user = targets.find((t) => t.title.includes('core:user'))
if (!user) throw new Error(`no user worker among ${targets.map((t) => t.title).join(', ')}`)
const ws = new WebSocket(user.webSocketDebuggerUrl)
await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }))
let nextId = 0
const waiting = new Map<number, (result: unknown) => void>()
ws.addEventListener('message', (e) => {
  const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown }
  if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result)
})
const send = <T>(method: string, params: object = {}) =>
  new Promise<T>((resolve) => {
    const id = ++nextId
    waiting.set(id, resolve as (r: unknown) => void)
    ws.send(JSON.stringify({ id, method, params }))
  })

await send('Profiler.enable')
await send('Profiler.setSamplingInterval', { interval: 50 })
await send('Profiler.start')
const body = JSON.stringify({
  model: 'mock-gpt',
  stream,
  messages: [{ role: 'user', content: 'Hello' }],
})
// Asynchronously: the mock provider answers from this same process.
const load = await oha({
  url: `${gw.url}/v1/chat/completions`,
  body,
  headers: { authorization: `Bearer ${key}` },
  connections: 4,
  seconds: 5,
  cpu: 1,
})
console.log(
  `${load.requests} requests, ${load.rps.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(2)} ms`
)
const { profile } = await send<{ profile: Profile }>('Profiler.stop')

const hits = new Map<number, number>()
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1)
const self = new Map<string, number>()
for (const n of profile.nodes) {
  const name = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop() ?? ''}:${n.callFrame.lineNumber}`
  self.set(name, (self.get(name) ?? 0) + (hits.get(n.id) ?? 0))
}
const total = profile.samples.length
for (const [name, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`)
}
ws.close()
await gw.close()
await mock.close()
