import { startMockProvider } from '@trueport/mock-provider'
import type { TestProject } from 'vitest/node'

/** Starts one mock provider on a free loopback port for the whole workerd project. */
export default async function setup(project: TestProject) {
  const mock = await startMockProvider()
  project.provide('mockProviderUrl', mock.url)
  return () => mock.close()
}
