import { startFerretDb } from './ferretdb'
import { startRedis } from './redis'
import { startS3 } from './s3'
import { startMailSink } from './smtp'
import { startUpstashAdapter } from './upstash-adapter'

/** Where every started service listens; handed to tests through vitest's `provide`. */
export interface ServiceEndpoints {
  redisUrl: string
  upstashUrl: string
  upstashToken: string
  mongoUrl: string
  s3Endpoint: string
  s3Region: string
  s3AccessKeyId: string
  s3SecretAccessKey: string
  smtpPort: number
  mailInboxUrl: string
}

/**
 * Starts every real local service the tests use, in parallel where they are independent, and
 * returns their endpoints with one `stop` that tears all of them down (also after a failed start).
 */
export async function startServices(): Promise<{
  endpoints: ServiceEndpoints
  stop(): Promise<void>
}> {
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    await Promise.allSettled(stops.reverse().map((s) => s()))
  }
  try {
    const track = <T extends { stop(): Promise<void> }>(svc: T): T => {
      stops.push(() => svc.stop())
      return svc
    }
    const [redis, mongo, s3, mail] = await Promise.all([
      startRedis().then(track),
      startFerretDb().then(track),
      startS3(['trueport-audit']).then(track),
      startMailSink().then(track),
    ])
    const upstash = track(
      await startUpstashAdapter({ redisUrl: redis.url, token: 'trueport-test-token' })
    )
    return {
      endpoints: {
        redisUrl: redis.url,
        upstashUrl: upstash.url,
        upstashToken: upstash.token,
        mongoUrl: mongo.url,
        s3Endpoint: s3.endpoint,
        s3Region: s3.region,
        s3AccessKeyId: s3.accessKeyId,
        s3SecretAccessKey: s3.secretAccessKey,
        smtpPort: mail.smtpPort,
        mailInboxUrl: mail.inboxUrl,
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
