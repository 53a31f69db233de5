import type { TestProject } from 'vitest/node'
import { startServices } from '../services'

/** Starts Redis (+ Upstash adapter), FerretDB, s3rver and the SMTP sink for the node project. */
export default async function setup(project: TestProject) {
  const services = await startServices()
  project.provide('services', services.endpoints)
  return () => services.stop()
}
