/**
 * `npm start`: the whole product locally on embedded defaults. Starts the built-in mock
 * provider, the gateway in workerd (wrangler dev, state in .wrangler/state), bootstraps a demo
 * tenant with an admin and an API key, and prints commands that work offline.
 *
 * Environment: TRUEPORT_PORT (8787), TRUEPORT_MOCK_PORT (8790), TRUEPORT_INSPECTOR_PORT (9229),
 * TRUEPORT_STATE_DIR (.wrangler/state), TRUEPORT_VERBOSE=1 for wrangler's request log.
 */
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { mockProvidersConfig, startMockProvider } from '@trueport/mock-provider'
import { ensureDemoTenant } from './lib/demo'
import { localSecrets } from './lib/local-secrets'
import { startWranglerDev, stopProcessGroup } from './lib/wrangler-dev'

const port = Number(process.env.TRUEPORT_PORT ?? 8787)
const mockPort = Number(process.env.TRUEPORT_MOCK_PORT ?? 8790)
const inspectorPort = Number(process.env.TRUEPORT_INSPECTOR_PORT ?? 9229)
const stateDir = resolve(process.env.TRUEPORT_STATE_DIR ?? '.wrangler/state')
const bootstrapToken = randomBytes(24).toString('base64url')

const mock = await startMockProvider({ port: mockPort })
console.log(`mock provider   ${mock.url}  (OpenAI, Anthropic and Gemini wire formats)`)

let gateway: Awaited<ReturnType<typeof startWranglerDev>> | undefined
const shutdown = (code: number) => {
  if (gateway) stopProcessGroup(gateway.child)
  void mock.close().finally(() => process.exit(code))
}
process.on('SIGINT', () => shutdown(0))
process.on('SIGTERM', () => shutdown(0))

try {
  const secrets = await localSecrets(join(stateDir, 'trueport-local-secrets.json'))
  gateway = await startWranglerDev({
    port,
    inspectorPort,
    persistTo: stateDir,
    verbose: process.env.TRUEPORT_VERBOSE === '1',
    vars: {
      ENVIRONMENT: 'local',
      PROVIDERS: JSON.stringify(mockProvidersConfig(mock.url)),
      BOOTSTRAP_TOKEN: bootstrapToken,
      ...secrets,
    },
  })
  gateway.child.once('exit', (code) => {
    console.error(`gateway exited (${code})`)
    shutdown(1)
  })
  const demo = await ensureDemoTenant(
    gateway.url,
    bootstrapToken,
    join(stateDir, 'trueport-demo.json')
  )
  const base = `${gateway.url}/v1`
  const sdk = [
    `import OpenAI from 'openai';`,
    `const c = new OpenAI({ baseURL: '${base}', apiKey: '${demo.apiKey}' });`,
    `const r = await c.chat.completions.create({ model: 'mock-gpt', messages: [{ role: 'user', content: 'Hello' }] });`,
    `console.log(r.choices[0].message.content)`,
  ].join(' ')
  console.log(`gateway         ${gateway.url}  (state in ${stateDir})
demo tenant     ${demo.tenantSlug} (${demo.tenantId})
admin login     ${demo.adminEmail} / ${demo.adminPassword}  (control API: ${gateway.url}/api/v1, docs at /api/v1/openapi.json)
API key         ${demo.apiKey}

Try it (offline, answered by the mock provider):
  curl -s ${base}/chat/completions -H 'authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' -d '{"model":"mock-gpt","messages":[{"role":"user","content":"Hello"}]}'
  curl -sN ${base}/chat/completions -H 'authorization: Bearer ${demo.apiKey}' -H 'content-type: application/json' -d '{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
  node --input-type=module -e "${sdk}"

TruePort is ready. Press Ctrl+C to stop.`)
} catch (err) {
  console.error(err instanceof Error ? err.message : err)
  shutdown(1)
}
