import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { TEXT_DETECTORS, detectAll } from '../detectors'
import { parseInput } from '../errors'

const DetectRequest = z.object({
  texts: z
    .array(
      z.union([
        z.string().max(100_000),
        z.object({
          text: z.string().max(100_000),
          field: z.enum(['request', 'response']).default('request'),
        }),
      ])
    )
    .min(1)
    .max(64),
  rules: z
    .object({
      bannedTerms: z.array(z.string().min(2)).max(500).default([]),
      bannedTopics: z.record(z.string(), z.array(z.string().min(2))).default({}),
      bannedModels: z.array(z.string()).default([]),
    })
    .optional(),
  model: z.string().max(200).optional(),
})

/** POST /v1/detect runs the detectors on given texts now; GET /v1/detectors reports on them. */
export const detectRoutes: FastifyPluginAsync = async (app) => {
  app.post('/v1/detect', { preHandler: app.authenticate() }, async (req) => {
    const body = parseInput(DetectRequest, req.body)
    const started = performance.now()
    const results = await Promise.all(
      body.texts.map(async (t, i) => {
        const segment =
          typeof t === 'string'
            ? { field: 'request' as const, path: `texts.${i}`, text: t }
            : { field: t.field, path: `texts.${i}`, text: t.text }
        const findings = [
          ...detectAll([segment], {
            rules: body.rules,
            model: i === 0 ? body.model : undefined,
            health: app.detectorHealth,
          }),
          ...(app.models ? await app.models.detect([segment]) : []),
        ]
        return {
          index: i,
          clean: findings.length === 0,
          findings: findings.map((f) => ({ ...f, match: segment.text.slice(f.start, f.end) })),
        }
      })
    )
    return { results, ms: Math.round((performance.now() - started) * 100) / 100 }
  })

  // Detector health: what is loaded, where it runs, and how it has been doing.
  app.get('/v1/detectors', { preHandler: app.authenticate() }, async () => ({
    data: [
      ...TEXT_DETECTORS.map((d) => ({ id: d.id, detector: d.id, engine: 'patterns', ready: true })),
      { id: 'rules', detector: 'rules', engine: 'tenant rules', ready: true },
      ...(app.models?.info() ?? []),
    ].map((d) => ({ ...d, ...app.detectorHealth.stats(d.id) })),
  }))
}
