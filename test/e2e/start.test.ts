import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import OpenAI from 'openai'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort } from '../services/net'

const ROOT = resolve(import.meta.dirname, '../..')
const run = promisify(execFile)

interface Started {
  child: ChildProcess
  output: () => string
}

/** Runs `npm start`'s script on free ports with its own state dir; resolves when it is ready. */
async function start(
  stateDir: string,
  ports: { port: number; mock: number; inspector: number }
): Promise<Started> {
  const child = spawn('npx', ['tsx', 'scripts/dev.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TRUEPORT_PORT: String(ports.port),
      TRUEPORT_MOCK_PORT: String(ports.mock),
      TRUEPORT_INSPECTOR_PORT: String(ports.inspector),
      TRUEPORT_STATE_DIR: stateDir,
    },
  })
  let out = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()))
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`npm start not ready in 90 s:\n${out}`)), 90_000)
    child.stdout?.on('data', () => {
      if (out.includes('TruePort is ready')) {
        clearTimeout(timer)
        ok()
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`npm start exited with ${code}:\n${out}`))
    })
  })
  return { child, output: () => out }
}

async function stop(s: Started): Promise<void> {
  const { child } = s
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise((r) => child.once('exit', r))
  process.kill(-child.pid, 'SIGTERM')
  await exited
}

describe('npm start', { timeout: 180_000 }, () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'trueport-start-'))
  const running: Started[] = []
  afterAll(async () => {
    await Promise.all(running.map(stop))
    rmSync(stateDir, { recursive: true, force: true })
  })

  it('serves completions to curl and the openai SDK, streaming and not, offline; a restart keeps the demo key', async () => {
    const ports = { port: await freePort(), mock: await freePort(), inspector: await freePort() }
    const first = await start(stateDir, ports)
    running.push(first)
    const demo = JSON.parse(readFileSync(join(stateDir, 'trueport-demo.json'), 'utf8')) as {
      apiKey: string
      adminEmail: string
      adminPassword: string
    }
    expect(first.output()).toContain(demo.apiKey)

    // The printed admin signs in to the control API and finds the demo tenant it created there.
    const controlUrl = `http://127.0.0.1:${ports.port}/api/v1`
    const login = await fetch(`${controlUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: demo.adminEmail, password: demo.adminPassword }),
    })
    expect(login.status).toBe(200)
    const { accessToken } = (await login.json()) as { accessToken: string }
    const tenants = await fetch(`${controlUrl}/me/tenants`, {
      headers: { authorization: `Bearer ${accessToken}` },
    })
    expect(((await tenants.json()) as { data: { slug: string; role: string }[] }).data).toEqual([
      expect.objectContaining({ slug: 'demo', role: 'owner' }),
    ])
    const events = await fetch(`${controlUrl}/openapi.json`)
    expect(events.status).toBe(200)
    const baseURL = `http://127.0.0.1:${ports.port}/v1`

    // curl, exactly as the printed line does it.
    const body = JSON.stringify({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    const { stdout } = await run('curl', [
      '-s',
      `${baseURL}/chat/completions`,
      '-H',
      `authorization: Bearer ${demo.apiKey}`,
      '-H',
      'content-type: application/json',
      '-d',
      body,
    ])
    const viaCurl = JSON.parse(stdout) as { choices: { message: { content: string } }[] }
    expect(viaCurl.choices[0]?.message.content).toContain('You said: "Hello"')

    // The official SDK, non-streaming and streaming.
    const client = new OpenAI({ baseURL, apiKey: demo.apiKey, maxRetries: 0 })
    const r = await client.chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Hello' }],
    })
    expect(r.choices[0]?.message.content).toBe(
      'Hello from the TruePort mock provider (mock-gpt). You said: "Hello".'
    )
    const stream = await client.chat.completions.create({
      model: 'mock-gpt',
      stream: true,
      messages: [{ role: 'user', content: 'Stream' }],
    })
    let text = ''
    let usage: { total_tokens: number } | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      usage ??= chunk.usage ?? undefined
    }
    expect(text).toBe('Hello from the TruePort mock provider (mock-gpt). You said: "Stream".')
    expect(usage?.total_tokens).toBeGreaterThan(0)

    // A wrong key is refused in the shape the SDK understands.
    const bad = new OpenAI({ baseURL, apiKey: 'tp_dev_' + 'x'.repeat(40), maxRetries: 0 })
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' })

    // Restart on the same state: same tenant, same key still works.
    await stop(first)
    const second = await start(stateDir, ports)
    running.push(second)
    expect(second.output()).toContain(demo.apiKey)
    const again = await client.chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Again' }],
    })
    expect(again.choices[0]?.message.content).toContain('You said: "Again"')
  })
})
