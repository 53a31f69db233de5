/**
 * `npm run services -- build`: builds what the test services need (the FerretDB binary), cached.
 * `npm run services -- start`: starts every test service on loopback and prints the endpoints,
 * for poking at them by hand; Ctrl+C stops them.
 */
import { ensureFerretDbBinary } from './ferretdb'
import { startServices } from './index'

const command = process.argv[2] ?? 'start'
if (command === 'build') {
  console.log(`ferretdb binary: ${ensureFerretDbBinary()}`)
} else if (command === 'start') {
  const services = await startServices()
  console.log(JSON.stringify(services.endpoints, null, 2))
  const shutdown = () => void services.stop().then(() => process.exit(0))
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
} else {
  console.error(`unknown command "${command}" (use build or start)`)
  process.exit(2)
}
