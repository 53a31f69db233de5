/**
 * Pure pieces of the Upstash REST protocol, kept apart from the HTTP shell so they are tested
 * on their own. Reference: Upstash's REST API (`POST /` with a JSON command array,
 * `/pipeline`, `/multi-exec`, `Upstash-Encoding: base64`).
 */

/** A Redis command as Upstash clients send it: `["SET", "k", "v"]`. */
export type Command = [string, ...(string | number)[]]

/** Validates a parsed body as one command; returns an error message otherwise. */
export function asCommand(value: unknown): Command | string {
  if (!Array.isArray(value) || value.length === 0)
    return 'ERR command must be a non-empty JSON array'
  if (typeof value[0] !== 'string') return 'ERR command name must be a string'
  for (const arg of value) {
    if (typeof arg !== 'string' && typeof arg !== 'number')
      return 'ERR arguments must be strings or numbers'
  }
  return value as Command
}

/** Validates a pipeline/multi-exec body: an array of commands. */
export function asCommands(value: unknown): Command[] | string {
  if (!Array.isArray(value) || value.length === 0)
    return 'ERR pipeline must be a non-empty array of commands'
  const out: Command[] = []
  for (const item of value) {
    const cmd = asCommand(item)
    if (typeof cmd === 'string') return cmd
    out.push(cmd)
  }
  return out
}

/**
 * `@upstash/ratelimit` >= 2.1 prefixes its Lua with a shebang that only Redis 7.4+ with
 * key-locking understands; older servers reject it. Strip it from EVAL/EVALSHA-bound scripts.
 */
export function normaliseCommand(cmd: Command): Command {
  const name = cmd[0].toUpperCase()
  const strip = (script: string | number | undefined) =>
    typeof script === 'string' ? script.replace(/^#!lua[^\n]*\n/, '') : (script ?? '')
  if (name === 'EVAL' || name === 'EVAL_RO') return [cmd[0], strip(cmd[1]), ...cmd.slice(2)]
  if (name === 'SCRIPT' && String(cmd[1]).toUpperCase() === 'LOAD') {
    return [cmd[0], cmd[1] ?? 'LOAD', strip(cmd[2]), ...cmd.slice(3)]
  }
  return cmd
}

/**
 * A Redis reply as ioredis' buffer API returns it. ioredis turns HGETALL replies into objects
 * whatever the call style, so objects are accepted and flattened back.
 */
export type RawReply = Buffer | string | number | null | RawReply[] | { [field: string]: RawReply }

/**
 * Renders a reply as Upstash does: strings as UTF-8 text, or base64 when the client asked for
 * `Upstash-Encoding: base64`; integers and nulls untouched; arrays flat and recursive.
 */
export function encodeReply(reply: RawReply, base64: boolean): unknown {
  if (reply === null || typeof reply === 'number') return reply
  if (Array.isArray(reply)) return reply.map((r) => encodeReply(r, base64))
  if (typeof reply === 'string' || Buffer.isBuffer(reply)) {
    const buf = typeof reply === 'string' ? Buffer.from(reply) : reply
    return base64 ? buf.toString('base64') : buf.toString('utf8')
  }
  return Object.entries(reply).flatMap(([field, value]) => [
    encodeReply(field, base64),
    encodeReply(value, base64),
  ])
}

/** Turns a path-style command (`/set/key/value`) into a command array. */
export function commandFromPath(pathname: string): Command | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent)
  const [name, ...args] = parts
  return name ? [name, ...args] : undefined
}
