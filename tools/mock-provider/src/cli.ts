#!/usr/bin/env -S npx tsx
/**
 * Runs the mock provider standalone:
 *   trueport-mock-provider --port 8790 --latency-ms 20 --chunk-delay-ms 5 --fail-every 10 --fail-with status:503
 */
import { parseArgs } from 'node:util'
import { parseFault } from './faults'
import { startMockProvider } from './server'

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8790' },
    'latency-ms': { type: 'string', default: '0' },
    'chunk-delay-ms': { type: 'string', default: '0' },
    'fail-every': { type: 'string' },
    'fail-with': { type: 'string', default: 'status:503' },
  },
})

const failWith = parseFault(values['fail-with'])
if ('error' in failWith) {
  console.error(`--fail-with: ${failWith.error}`)
  process.exit(2)
}
const mock = await startMockProvider({
  host: values.host,
  port: Number(values.port),
  latencyMs: Number(values['latency-ms']),
  chunkDelayMs: Number(values['chunk-delay-ms']),
  failWith,
  ...(values['fail-every'] ? { failEvery: Number(values['fail-every']) } : {}),
})
console.log(`mock provider listening on ${mock.url}`)
const stop = () => void mock.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
