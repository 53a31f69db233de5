/**
 * `npm run bench:analytics`: the analytics service end to end on this machine. Writes signed
 * audit batches of short chat records to a real S3 server (s3rver), then lets the ingestor pull,
 * verify, analyse and store them in a real MongoDB-wire server (FerretDB), and reports records/s
 * and the lag from an object's write to its violations being stored. Every detector the service
 * runs is on, the MiniLM encoder and every head on it (injection, toxicity, entities) included
 * (CUDA when present). Prompts and answers are the varied texts of the training sets (chat,
 * tickets, records, code, attacks, abuse), cut to BENCH_MAX_CHARS (default 300) characters; the
 * encoder's remembered-texts cache is off, so texts recurring in the run pay the model each time. BENCH_RECORDS (default 6000) sets the
 * volume; results go to docs/benchmarks.md.
 */
import { cpus, totalmem } from 'node:os'
import { appendFileSync, readFileSync } from 'node:fs'
import { batchKey, encodeBatch, generateSigningJwk, s3Store, signerFromJwk } from '@trueport/audit'
import type { AuditRecordV1 } from '@trueport/contracts'
import { MongoClient } from 'mongodb'
import { TEXT_DETECTORS } from '@trueport/analytics/detectors'
import { DetectorHealth } from '@trueport/analytics/detectors/health'
import { defaultPlan } from '@trueport/analytics/models/session'
import { loadModelDetectors } from '@trueport/analytics/models'
import { Ingestor } from '@trueport/analytics/ingest'
import { collections, ensureViolationIndexes } from '@trueport/analytics/store'
import { startFerretDb } from '../test/services/ferretdb'
import { startS3 } from '../test/services/s3'

const RECORDS = Number(process.env.BENCH_RECORDS ?? 6000)
const PER_BATCH = 500
const TRAIN = 'analytics-gpu/train/data'
/** Longest prompt or answer, in characters (BENCH_MAX_CHARS). */
const MAX_CHARS = Number(process.env.BENCH_MAX_CHARS ?? 300)
/** Sessions per model and intra-op threads each (MODEL_WORKERS, MODEL_THREADS, as the service reads them). */
const PLAN = defaultPlan({
  threads: Number(process.env.MODEL_THREADS) || undefined,
  workers: Number(process.env.MODEL_WORKERS) || undefined,
})
/**
 * Varied real-looking texts: every line of these training sets, markup removed, shuffled. A
 * fixed list, so that adding training data does not change what the benchmark measures (80
 * characters of a base64 blob are three times the tokens of 80 characters of prose).
 */
const CORPUS = [
  'benign-technical.jsonl',
  'entities.jsonl',
  'injection-direct.jsonl',
  'injection-indirect.jsonl',
  'injection.jsonl',
  'toxicity.jsonl',
]
const TEXTS = CORPUS.flatMap((f) => readFileSync(`${TRAIN}/${f}`, 'utf8').split('\n'))
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text.replace(/\[\[[A-Z]+:([^\]]+)\]\]/g, '$1'))
  .map((t) => t.slice(0, MAX_CHARS))
  .sort(
    (a, b) => ((a.length * 31 + a.charCodeAt(0)) % 97) - ((b.length * 31 + b.charCodeAt(0)) % 97)
  )

const sha = '0'.repeat(64)
function record(tenantId: string, i: number): AuditRecordV1 {
  const prompt = TEXTS[i % TEXTS.length] as string
  const answer = TEXTS[(i * 7 + 3) % TEXTS.length] as string
  return {
    v: 1,
    id: `bench-${i}`,
    tenantId,
    keyId: `key_bench${i % 4}`,
    environment: 'prod',
    receivedAt: new Date().toISOString(),
    completedAt: new Date().toISOString(),
    route: { method: 'POST', path: '/v1/chat/completions', surface: 'openai' },
    model: 'gpt-4o-mini',
    attempts: 1,
    stream: false,
    status: 200,
    request: {
      sha256: sha,
      bytes: prompt.length,
      text: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
    },
    response: {
      sha256: sha,
      bytes: answer.length,
      text: JSON.stringify({
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: answer,
            },
          },
        ],
      }),
    },
    latency: { totalMs: 100, upstreamMs: 99, gatewayMs: 1 },
    decisions: [],
    client: {},
    privacy: 'full',
  }
}

const [ferret, s3] = await Promise.all([startFerretDb(), startS3(['bench-audit'])])
const client = new MongoClient(ferret.url)
try {
  const db = client.db(`bench_${Date.now()}`)
  await ensureViolationIndexes(db)
  const store = s3Store({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: 'bench-audit',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
  })
  const signer = await signerFromJwk(await generateSigningJwk('bench'))
  const tenantId = 'ten_bench'
  const written = new Map<string, number>()
  for (let seq = 1, i = 0; i < RECORDS; seq++) {
    const n = Math.min(PER_BATCH, RECORDS - i)
    const records = Array.from({ length: n }, (_, j) => record(tenantId, i + j))
    i += n
    const b = await encodeBatch(
      { tenantId, seq, prev: null, period: '2026-12-02T10', createdAt: new Date().toISOString() },
      records,
      signer
    )
    const key = batchKey(tenantId, '2026-12-02T10', seq)
    await store.put(key, b.body, { contentType: 'application/x-ndjson', custom: {} })
    written.set(key, Date.now())
  }
  const health = new DetectorHealth()
  const models = await loadModelDetectors(
    process.env.MODELS_DIR ?? 'analytics-gpu/models',
    (process.env.MODEL_DEVICE as 'auto' | 'cpu' | 'cuda' | undefined) ?? 'auto',
    health,
    // Every text is different in this run; the remembered-texts cache would not help.
    { ...PLAN, rememberTexts: 0 }
  )
  if (!models)
    throw new Error(
      'model weights missing: run bash analytics-gpu/scripts/fetch-models.sh and npm run train'
    )
  const provider = models.info()[0]?.provider ?? 'cpu'
  const ingestor = new Ingestor({ db, store, auditKeys: [signer.publicJwk], models, health })
  const started = performance.now()
  const result = await ingestor.poll(tenantId)
  const seconds = (performance.now() - started) / 1000
  const rps = result.records / seconds

  // Lag: a fresh object written while the box is idle, to its violations stored.
  const lagKey = batchKey(tenantId, '2026-12-02T11', 9999)
  const lagBatch = await encodeBatch(
    {
      tenantId,
      seq: 9999,
      prev: null,
      period: '2026-12-02T11',
      createdAt: new Date().toISOString(),
    },
    Array.from({ length: 50 }, (_, j) => record(tenantId, RECORDS + j)),
    signer
  )
  const t0 = Date.now()
  await store.put(lagKey, lagBatch.body, { contentType: 'application/x-ndjson', custom: {} })
  await ingestor.poll(tenantId)
  const newest = await collections(db)
    .violations.find({ objectKey: lagKey })
    .sort({ detectedAt: -1 })
    .limit(1)
    .toArray()
  const lagMs = (newest[0]?.detectedAt.getTime() ?? Date.now()) - t0
  const violations = await collections(db).violations.countDocuments({})

  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}`
  const detectors = [
    ...TEXT_DETECTORS.map((d) => `${d.id} (patterns)`),
    'rules',
    ...models
      .info()
      .map((h) => `${h.id} (${h.engine}${h.fields ? `; reads ${h.fields.join(' and ')}` : ''})`),
  ].join(', ')
  const meanChars = Math.round(TEXTS.reduce((n, t) => n + t.length, 0) / TEXTS.length)
  const perDetector = [
    ...TEXT_DETECTORS.map((d) => d.id),
    'rules',
    ...models.info().map((h) => h.id),
  ].map((id) => {
    const st = health.stats(id)
    const l = st.latencyMs
    return `| ${id} | ${st.calls} | ${st.findings} | ${l ? `${l.p50} / ${l.p95} / ${l.p99}` : '-'} |`
  })
  await models.close()
  const lines = [
    `## Analytics ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${machine}. Detectors: ${detectors}; execution provider ${provider}. ${result.records} chat records (prompt and answer each at most ${MAX_CHARS} characters, mean ${meanChars}) in ${result.objects} signed batches from s3rver, results in FerretDB, one ingestor, ${provider === 'cuda' ? 'one session' : `${PLAN.workers} sessions of ${PLAN.threads} intra-op thread${PLAN.threads > 1 ? 's' : ''}`} per model.`,
    '',
    '| records | seconds | records/s | violations stored | lag write -> violation stored (ms) |',
    '|---:|---:|---:|---:|---:|',
    `| ${result.records} | ${seconds.toFixed(2)} | ${rps.toFixed(0)} | ${violations} | ${lagMs} |`,
    '',
    'Per detector (per segment; the encoder row is the shared pass, its latency includes waiting for its micro-batch):',
    '',
    '| detector | calls | findings | latency p50 / p95 / p99 (ms) |',
    '|---|---:|---:|---:|',
    ...perDetector,
    '',
  ]
  console.log(lines.join('\n'))
  appendFileSync('docs/benchmarks.md', `\n${lines.join('\n')}`)
} finally {
  await client.close()
  await Promise.all([ferret.stop(), s3.stop()])
}
