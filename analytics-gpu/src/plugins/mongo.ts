import fp from 'fastify-plugin'
import { MongoClient, type Db } from 'mongodb'
import type { Config } from '../config'

declare module 'fastify' {
  interface FastifyInstance {
    /** The analytics database, or null when no MONGODB_URL is configured. */
    mongo: { client: MongoClient; db: Db } | null
  }
}

/**
 * Opens the MongoDB connection lazily (the driver connects on first use, so the service starts
 * even while the database is down; /readyz tells) and closes it when the app closes.
 */
export const mongoPlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    if (!config.mongoUrl) {
      app.decorate('mongo', null)
      return
    }
    const client = new MongoClient(config.mongoUrl, {
      serverSelectionTimeoutMS: config.readinessTimeoutMs,
      appName: 'trueport-analytics',
    })
    app.decorate('mongo', { client, db: client.db(config.mongoDb) })
    app.addHook('onClose', async () => {
      await client.close()
    })
  },
  { name: 'mongo' }
)
