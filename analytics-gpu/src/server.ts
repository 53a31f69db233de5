import { buildApp } from './app'
import { loadConfig } from './config'

/**
 * Process entry of the analytics service: config, listen, graceful close on SIGINT/SIGTERM.
 * Everything else is in app.ts.
 */
const config = loadConfig()
const app = await buildApp(config, {
  connectionTimeout: 30_000,
  requestTimeout: 60_000,
  forceCloseConnections: true,
})

let closing = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'closing')
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'close failed')
        process.exit(1)
      }
    )
  })
}

await app.listen({ host: config.host, port: config.port })
