// benign-machine.mjs
//
// Generates train/data/benign-machine.jsonl: 300 benign (label 0) texts of
// realistic LLM-gateway developer traffic dominated by machine-looking content:
// .env files and export lines with vendor API keys, JWTs, PEM blocks, SSH keys,
// hashes, UUIDs, base64/hex blobs, HTTP headers, curl commands, Kubernetes and
// docker-compose YAML, Terraform, JSON API responses, logs and stack traces,
// git diffs, SQL, minified JS, lockfile fragments, masked keys, wallet
// addresses and license keys, often with a short natural question around them.
//
// Why: the injection classifier's negatives lacked developer traffic full of
// credentials and random-looking strings, so it flagged such text as
// injection. These examples teach it that secrets and high-entropy strings
// alone are not an attack. All secrets are random and fake.
//
// Plain Node ESM, no dependencies. A seeded PRNG (mulberry32, fixed seed)
// makes re-running write the identical file.
//
// Usage: node analytics-gpu/train/generators/benign-machine.mjs

import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SEED = 0x5eed1234
const COUNT = 300
const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'benign-machine.jsonl')

function mulberry32(a) {
  return function () {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = mulberry32(SEED)

// ---------- random helpers ----------
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1))
const pick = (arr) => arr[Math.floor(rand() * arr.length)]
const chance = (p) => rand() < p
const shuffle = (arr) => {
  const a = arr.slice()
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a
}
const sample = (arr, n) => shuffle(arr).slice(0, n)

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const DIGITS = '0123456789'
const ALNUM = UPPER + LOWER + DIGITS
const HEX = '0123456789abcdef'
const B64 = ALNUM + '+/'
const B64URL = ALNUM + '-_'
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

const str = (alpha, n) => {
  let s = ''
  for (let i = 0; i < n; i++) s += alpha[Math.floor(rand() * alpha.length)]
  return s
}
const hex = (n) => str(HEX, n)
const alnum = (n) => str(ALNUM, n)
const lowerAlnum = (n) => str(LOWER + DIGITS, n)
const upperAlnum = (n) => str(UPPER + DIGITS, n)
const b64 = (bytes) => {
  const n = Math.ceil(bytes / 3) * 4
  const pad = (3 - (bytes % 3)) % 3
  return str(B64, n - pad) + '='.repeat(pad)
}
const b64url = (n) => str(B64URL, n)
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick('89ab')}${hex(3)}-${hex(12)}`
const digits = (n) => str(DIGITS, n)
const ip = () => `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
const pubIp = () =>
  `${pick([34, 35, 52, 54, 18, 3, 104, 146])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
const port = () => pick([3000, 5432, 6379, 8080, 8443, 9000, 27017, 3306, 5672, 9200])
const semver = () => `${int(0, 5)}.${int(0, 30)}.${int(0, 20)}`
const pad2 = (n) => String(n).padStart(2, '0')
const isoTime = () =>
  `2024-${pad2(int(1, 12))}-${pad2(int(1, 28))}T${pad2(int(0, 23))}:${pad2(int(0, 59))}:${pad2(int(0, 59))}.${String(int(0, 999)).padStart(3, '0')}Z`
const epoch = () => 1700000000 + int(0, 40000000)

// ---------- vendor-shaped fake secrets ----------
const awsKeyId = () => (chance(0.75) ? 'AKIA' : 'ASIA') + str(UPPER + '234567', 16)
const awsSecret = () => str(ALNUM + '+/', 40)
const awsSession = () => 'IQoJb3JpZ2luX2Vj' + str(B64, int(180, 260))
const openaiKey = () => (chance(0.5) ? 'sk-proj-' + b64url(int(100, 140)) : 'sk-' + alnum(48))
const anthropicKey = () => 'sk-ant-api03-' + b64url(93) + 'AA'
const githubPat = () => pick(['ghp_', 'gho_', 'ghs_']) + alnum(36)
const githubFine = () => 'github_pat_11' + upperAlnum(20) + '_' + alnum(59)
const slackBot = () => `xoxb-${digits(12)}-${digits(13)}-${alnum(24)}`
const slackWebhook = () =>
  `https://hooks.slack.com/services/T${upperAlnum(8)}/B${upperAlnum(10)}/${alnum(24)}`
const stripeLive = () => 'sk_live_51' + alnum(97)
const stripeTest = () => 'sk_test_51' + alnum(97)
const stripePk = () => pick(['pk_live_51', 'pk_test_51']) + alnum(97)
const stripeWh = () => 'whsec_' + alnum(32)
const googleKey = () => 'AIza' + b64url(35)
const sendgrid = () => 'SG.' + b64url(22) + '.' + b64url(43)
const twilioSid = () => 'AC' + hex(32)
const mailgun = () => 'key-' + hex(32)
const hfToken = () => 'hf_' + alnum(34)
const npmToken = () => 'npm_' + alnum(36)
const gitlabPat = () => 'glpat-' + b64url(20)
const datadogKey = () => hex(32)
const sentryDsn = () => `https://${hex(32)}@o${digits(6)}.ingest.sentry.io/${digits(7)}`
const azureConn = () =>
  `DefaultEndpointsProtocol=https;AccountName=${pick(['st', 'stor', 'data'])}${lowerAlnum(int(6, 12))};AccountKey=${b64(64)};EndpointSuffix=core.windows.net`
const azureSb = () =>
  `Endpoint=sb://${pick(['orders', 'events', 'ingest', 'billing'])}-${lowerAlnum(5)}.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${b64(32)}`
const pw = (n = int(14, 24)) => alnum(n)
const host = () =>
  pick([
    'db-prod-01.internal',
    'pg-primary.svc.cluster.local',
    'mysql.staging.local',
    `${pick(['orders', 'users', 'ledger'])}-db.${lowerAlnum(12)}.us-east-1.rds.amazonaws.com`,
    `cluster0.${lowerAlnum(5)}.mongodb.net`,
    '10.0.3.17',
    'localhost',
  ])
const dbName = () =>
  pick(['billing', 'inventory', 'gateway', 'analytics', 'auth', 'orders', 'app_prod', 'events'])
const dbUser = () =>
  pick(['app', 'gateway_rw', 'svc_reader', 'admin', 'postgres', 'etl', 'orders_app'])
const pgUrl = () =>
  `postgres://${dbUser()}:${pw()}@${host()}:5432/${dbName()}${chance(0.4) ? '?sslmode=require' : ''}`
const mysqlUrl = () => `mysql://${dbUser()}:${pw()}@${host()}:3306/${dbName()}`
const mongoUrl = () =>
  `mongodb+srv://${dbUser()}:${pw()}@cluster0.${lowerAlnum(5)}.mongodb.net/${dbName()}?retryWrites=true&w=majority`
const redisUrl = () =>
  `redis://${chance(0.5) ? 'default' : ''}:${pw()}@${pick(['cache.internal', 'redis-master', '10.0.2.9'])}:6379/${int(0, 5)}`
const amqpUrl = () =>
  `amqp://${dbUser()}:${pw()}@rabbitmq.internal:5672/${pick(['%2F', 'prod', 'jobs'])}`
const jwt = () => {
  const header = Buffer.from(
    JSON.stringify({
      alg: pick(['HS256', 'RS256', 'ES256']),
      typ: 'JWT',
      ...(chance(0.5) ? { kid: hex(16) } : {}),
    })
  ).toString('base64url')
  const payload = Buffer.from(
    JSON.stringify({
      sub: chance(0.5) ? uuid() : `user_${digits(8)}`,
      iss: pick([
        'https://auth.example.com/',
        'https://login.acme.dev',
        'gateway',
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_' + alnum(9),
      ]),
      aud: pick(['api', 'gateway', 'web', 'mobile']),
      iat: epoch(),
      exp: epoch() + 3600,
      ...(chance(0.5)
        ? { scope: pick(['read:models write:logs', 'openid profile email', 'admin', 'chat:write']) }
        : {}),
    })
  ).toString('base64url')
  return `${header}.${payload}.${b64url(pick([43, 86, 342]))}`
}
const mask = (prefix) => prefix + '•'.repeat(int(4, 12)) + alnum(4)
const ethAddr = () => '0x' + str('0123456789abcdefABCDEF', 40)
const btcAddr = () =>
  chance(0.5) ? 'bc1q' + str('qpzry9x8gf2tvdw0s3jn54khce6mua7l', 38) : '1' + str(B58, 33)
const solAddr = () => str(B58, 44)
const licenseKey = () => Array.from({ length: 5 }, () => upperAlnum(5)).join('-')
const pemBody = (lines) =>
  Array.from({ length: lines }, () => str(B64, 64)).join('\n') + '\n' + b64(int(10, 40))
const sshKey = () =>
  chance(0.5)
    ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${str(B64, 43)} ${pick(['dev', 'ci', 'deploy', 'ana', 'kenji', 'marta'])}@${pick(['laptop', 'build-runner', 'bastion', 'mbp.local'])}`
    : `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ${str(B64, 200)}== ${pick(['root', 'ubuntu', 'ops'])}@${pick(['ip-10-0-1-4', 'jump', 'ws-12'])}`
const sha = () => hex(40)
const shortSha = () => hex(7)
const sha256 = () => hex(64)
const reqId = () =>
  pick([
    () => 'req_' + alnum(24),
    () => uuid(),
    () => hex(32),
    () => 'chatcmpl-' + alnum(29),
    () => 'msg_01' + alnum(22),
  ])()
const traceparent = () => `00-${hex(32)}-${hex(16)}-0${pick(['0', '1'])}`

// ---------- natural-language framing ----------
// Generic asks that fit most machine blobs; template-specific asks live with
// each template. Some are in other languages, as real gateway traffic is.
const GENERIC_BEFORE = [
  "Can you tell me what's wrong here?",
  'Quick sanity check on this, does it look right?',
  'What is this?',
  'Explain this output please.',
  'Not sure what to make of this:',
  'Pasting what I have so far.',
  "Here's the relevant bit.",
  'Found this in our repo, what is it for?',
  'My teammate sent me this, can you walk me through it?',
  'Context for my question:',
  'Help me understand this one.',
  "Can you reformat this so it's readable?",
  'Is this safe to commit?',
  'Which values here are secrets and which are fine to share?',
  'Please redact the secrets in this before I post it to the ticket.',
  'Replace every credential here with a placeholder.',
  'Turn this into a table.',
  'Summarize this in two sentences.',
  '¿Qué significa esto?',
  '¿Puedes explicarme este fragmento?',
  'Kannst du mir sagen, was hier falsch ist?',
  'Was bedeutet das?',
  "Tu peux m'expliquer ce que fait ceci ?",
  "Qu'est-ce qui cloche ici ?",
  'O que isso significa?',
  'Pode me ajudar a entender isso?',
  'これは何ですか？',
  'このエラーの原因を教えてください。',
  '这段是什么意思？',
  '帮我看看这个哪里有问题。',
  'Что здесь не так?',
  'Объясни, пожалуйста, что это.',
  'Cosa vuol dire questo?',
  'Co tu jest nie tak?',
  'Bu ne anlama geliyor?',
  '이게 무슨 뜻인가요?',
  'Wat betekent dit?',
  'Vad betyder det här?',
  'Mitä tämä tarkoittaa?',
  'Co to znamená?',
]
const GENERIC_AFTER = [
  'Thoughts?',
  'Any idea?',
  'What am I missing?',
  'Does that look normal to you?',
  'Is this expected?',
  'Should I be worried about this?',
  'How do I fix it?',
  'Can you explain line by line?',
  'Which of these need rotating?',
  'Mask the secrets and give it back to me.',
  'Keep the structure, just swap the keys for placeholders.',
  'thanks in advance',
  'any help appreciated!',
  '¿Alguna idea?',
  'Was meinst du?',
  'Une idée ?',
  'Alguma ideia?',
  'どう直せばいいですか？',
  '怎么修复？',
  'Как это исправить?',
  'Idee?',
  'Jakieś pomysły?',
  '어떻게 고치나요?',
  'Enig idee?',
]

function frame(body, before = [], after = []) {
  const fence = chance(0.2)
  const b = fence ? '```\n' + body + '\n```' : body
  const r = rand()
  const pre = () => (before.length && chance(0.7) ? pick(before) : pick(GENERIC_BEFORE))
  const post = () => (after.length && chance(0.7) ? pick(after) : pick(GENERIC_AFTER))
  if (r < 0.5) return pre() + pick(['\n\n', '\n']) + b
  if (r < 0.7) return b + '\n\n' + post()
  if (r < 0.82) return pre() + '\n\n' + b + '\n\n' + post()
  return b
}

// ---------- templates ----------
// Each returns one framed text. The pools of env vars etc. are sampled so that
// every text gets a different selection and order.
const ENV_POOL = [
  () => `OPENAI_API_KEY=${openaiKey()}`,
  () => `ANTHROPIC_API_KEY=${anthropicKey()}`,
  () => `AWS_ACCESS_KEY_ID=${awsKeyId()}`,
  () => `AWS_SECRET_ACCESS_KEY=${awsSecret()}`,
  () => `AWS_REGION=${pick(['us-east-1', 'eu-west-1', 'ap-southeast-2', 'eu-central-1'])}`,
  () => `GITHUB_TOKEN=${githubPat()}`,
  () => `SLACK_BOT_TOKEN=${slackBot()}`,
  () => `SLACK_WEBHOOK_URL=${slackWebhook()}`,
  () => `STRIPE_SECRET_KEY=${chance(0.5) ? stripeLive() : stripeTest()}`,
  () => `STRIPE_WEBHOOK_SECRET=${stripeWh()}`,
  () => `GOOGLE_API_KEY=${googleKey()}`,
  () => `SENDGRID_API_KEY=${sendgrid()}`,
  () => `TWILIO_ACCOUNT_SID=${twilioSid()}`,
  () => `TWILIO_AUTH_TOKEN=${hex(32)}`,
  () => `MAILGUN_API_KEY=${mailgun()}`,
  () => `HF_TOKEN=${hfToken()}`,
  () => `DATADOG_API_KEY=${datadogKey()}`,
  () => `SENTRY_DSN=${sentryDsn()}`,
  () => `AZURE_STORAGE_CONNECTION_STRING="${azureConn()}"`,
  () => `DATABASE_URL=${pick([pgUrl, mysqlUrl, mongoUrl])()}`,
  () => `REDIS_URL=${redisUrl()}`,
  () => `AMQP_URL=${amqpUrl()}`,
  () => `JWT_SECRET=${b64(48)}`,
  () => `SESSION_SECRET=${hex(64)}`,
  () => `ENCRYPTION_KEY=${b64(32)}`,
  () => `NEXTAUTH_SECRET=${b64(32)}`,
  () => `NPM_TOKEN=${npmToken()}`,
  () => `GITLAB_TOKEN=${gitlabPat()}`,
  () => `GATEWAY_ADMIN_KEY=gw_admin_${alnum(32)}`,
  () => `NODE_ENV=${pick(['production', 'staging', 'development'])}`,
  () => `PORT=${port()}`,
  () => `LOG_LEVEL=${pick(['debug', 'info', 'warn'])}`,
  () => `MISTRAL_API_KEY=${alnum(32)}`,
  () => `GROQ_API_KEY=gsk_${alnum(52)}`,
  () => `COHERE_API_KEY=${alnum(40)}`,
]

function tDotenv() {
  const lines = sample(ENV_POOL, int(4, 14)).map((f) => f())
  if (chance(0.3))
    lines.splice(
      int(0, lines.length),
      0,
      '# ' +
        pick([
          'prod',
          'staging',
          'local overrides',
          'do not commit',
          'shared dev creds',
          'payments',
        ])
    )
  return frame(
    lines.join('\n'),
    [
      `Why isn't ${pick(['dotenv', 'docker', 'vite', 'next.js', 'pydantic-settings'])} picking these up?`,
      "Here's my .env, the app says the OpenAI key is missing:",
      'Can you convert this .env into a Kubernetes Secret manifest?',
      'Turn this .env into a .env.example with placeholders.',
      'Which of these vars does the gateway actually need?',
      'Sort these alphabetically and group them by service.',
      'Convierte este .env en un docker-compose environment block.',
      'Mach daraus bitte eine .env.example ohne echte Werte.',
      '.env du service, le worker ne démarre pas :',
    ],
    [
      'Why does the container still see the old values?',
      'Is the quoting right?',
      'Which ones should go in the secret manager?',
    ]
  )
}

function tExport() {
  const lines = sample(ENV_POOL, int(2, 8)).map((f) => 'export ' + f())
  return frame(
    lines.join('\n'),
    [
      "I put this in my ~/.zshrc but new terminals don't see it.",
      'Add these to my shell profile, right?',
      'Running the SDK after this still gives 401:',
      'fish shell equivalent of this?',
      'How do I write this for PowerShell instead?',
      '¿Cómo paso esto a Windows cmd?',
    ],
    ['Is `export` needed in a .env file too?', 'How do I make this persist in a systemd unit?']
  )
}

function tAwsCreds() {
  const profiles = sample(['default', 'prod', 'staging', 'ci', 'sandbox', 'data-eng'], int(1, 3))
  const body = profiles
    .map((p) => {
      const s = [
        `[${p}]`,
        `aws_access_key_id = ${awsKeyId()}`,
        `aws_secret_access_key = ${awsSecret()}`,
      ]
      if (chance(0.3)) s.push(`aws_session_token = ${awsSession()}`)
      if (chance(0.4)) s.push(`region = ${pick(['us-east-1', 'eu-west-1', 'us-west-2'])}`)
      return s.join('\n')
    })
    .join('\n\n')
  return frame(
    body,
    [
      'My ~/.aws/credentials looks like this and boto3 keeps using the wrong profile:',
      'Which profile does the CLI use by default here?',
      'aws sts get-caller-identity returns InvalidClientTokenId with these:',
      'Bedrock calls from the gateway fail with ExpiredToken. Credentials file:',
    ],
    ['How do I switch to SSO instead of static keys?', 'Why does the session token one expire?']
  )
}

function tStsJson() {
  const body = JSON.stringify(
    {
      Credentials: {
        AccessKeyId: 'ASIA' + str(UPPER + '234567', 16),
        SecretAccessKey: awsSecret(),
        SessionToken: awsSession(),
        Expiration: isoTime().replace(/\.\d+Z$/, '+00:00'),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROA${upperAlnum(17)}:${pick(['gateway-session', 'ci-deploy', 'botocore-session-' + digits(10)])}`,
        Arn: `arn:aws:sts::${digits(12)}:assumed-role/${pick(['GatewayBedrockRole', 'DeployRole', 'ReadOnly'])}/${pick(['gateway', 'ci', 'dev'])}`,
      },
    },
    null,
    2
  )
  return frame(
    body,
    [
      'Output of aws sts assume-role. How do I feed this into env vars?',
      'Is this token scoped to the right role?',
      'assume-role works but the gateway still gets AccessDenied on bedrock:InvokeModel.',
    ],
    ['How long is this valid?', 'Can I cache this safely?']
  )
}

function tJwt() {
  const t = jwt()
  const body = chance(0.5) ? t : `Authorization: Bearer ${t}`
  return frame(
    body,
    [
      'Can you decode this JWT and tell me when it expires?',
      'What claims are in this token?',
      'Is this token signed with RS256 or HS256?',
      "Our gateway rejects this with 'invalid audience'.",
      'Decodifica este token, por favor:',
      'Kannst du dieses Token dekodieren?',
      'このJWTの中身を見せてください。',
      '帮我解码这个 JWT：',
    ],
    ['Why would the verifier say the signature is invalid?', 'Is the exp in the past?']
  )
}

function tCurlLlm() {
  const v = pick(['openai', 'anthropic', 'gateway', 'google'])
  let body
  if (v === 'openai')
    body = `curl https://api.openai.com/v1/chat/completions \\\n  -H "Authorization: Bearer ${openaiKey()}" \\\n  -H "Content-Type: application/json" \\\n  -d '{"model":"${pick(['gpt-4o-mini', 'gpt-4o', 'gpt-4.1'])}","messages":[{"role":"user","content":"${pick(['ping', 'hello', 'test'])}"}]}'`
  else if (v === 'anthropic')
    body = `curl https://api.anthropic.com/v1/messages \\\n  -H "x-api-key: ${anthropicKey()}" \\\n  -H "anthropic-version: 2023-06-01" \\\n  -H "content-type: application/json" \\\n  -d '{"model":"${pick(['claude-3-5-sonnet-latest', 'claude-3-haiku-20240307'])}","max_tokens":${pick([64, 256, 1024])},"messages":[{"role":"user","content":"hi"}]}'`
  else if (v === 'google')
    body = `curl "https://generativelanguage.googleapis.com/v1beta/models/gemini-1.5-flash:generateContent?key=${googleKey()}" \\\n  -H 'Content-Type: application/json' \\\n  -d '{"contents":[{"parts":[{"text":"test"}]}]}'`
  else
    body = `curl -sS https://${pick(['gateway', 'llm', 'ai-gw'])}.${pick(['internal', 'acme.dev', 'corp.local'])}/v1/chat/completions \\\n  -H "Authorization: Bearer gw-${alnum(40)}" \\\n  -H "X-Request-Id: ${uuid()}" \\\n  -H "traceparent: ${traceparent()}" \\\n  -d @payload.json | jq .`
  return frame(
    body,
    [
      'This curl returns 401, is the header wrong?',
      'Convert this curl to Python requests.',
      'Convert this to a fetch() call in TypeScript.',
      'Same request works in Postman but not from the pod:',
      'Rewrite this as httpie.',
      'Pásame esto a axios.',
      'Wandle das bitte in Go um.',
    ],
    [
      'Getting 429 after a few calls, why?',
      'Why does it hang with no output?',
      'Is the quoting OK for bash?',
    ]
  )
}

function tReqHeaders() {
  const lines = [
    `${pick(['POST', 'GET', 'PUT'])} /${pick(['v1/chat/completions', 'v1/embeddings', 'api/keys', 'v1/messages', 'admin/usage?from=2024-05-01'])} HTTP/${pick(['1.1', '2'])}`,
    `Host: ${pick(['gateway.acme.dev', 'api.internal', 'llm-proxy.corp.local'])}`,
    `User-Agent: ${pick(['OpenAI/Python 1.35.3', 'axios/1.6.8', 'curl/8.5.0', 'Go-http-client/2.0', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'])}`,
  ]
  const extra = sample(
    [
      () => `Authorization: Bearer ${pick([openaiKey, jwt, () => 'gw-' + alnum(40)])()}`,
      () =>
        `Cookie: session=${b64url(int(40, 90))}; csrftoken=${alnum(32)}; _ga=GA1.1.${digits(10)}.${digits(10)}`,
      () => `traceparent: ${traceparent()}`,
      () => `tracestate: dd=s:1;t.dm:-0,rojo=${hex(16)}`,
      () => `X-Request-Id: ${uuid()}`,
      () => `X-Api-Key: ${alnum(40)}`,
      () => `X-Forwarded-For: ${pubIp()}, ${ip()}`,
      () => `X-Amz-Date: 2024${pad2(int(1, 12))}${pad2(int(1, 28))}T${digits(6)}Z`,
      () => `Content-Type: application/json`,
      () => `Content-Length: ${int(40, 9000)}`,
      () => `Accept-Encoding: gzip, deflate, br`,
      () => `If-None-Match: W/"${hex(24)}"`,
    ],
    int(3, 8)
  ).map((f) => f())
  return frame(
    lines.concat(extra).join('\n'),
    [
      'Raw request the gateway received, captured with mitmproxy:',
      'Which of these headers does the upstream actually need?',
      'Is the traceparent format valid here?',
      'Why is the cookie being forwarded upstream?',
      'Anfrage laut Access-Log:',
    ],
    ['Which headers should we strip before logging?', 'Why is X-Forwarded-For two hops?']
  )
}

function tRespHeaders() {
  const lines = [
    `HTTP/${pick(['1.1', '2'])} ${pick(['200 OK', '429 Too Many Requests', '401 Unauthorized', '502 Bad Gateway', '503 Service Unavailable'])}`,
    `date: ${pick(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])}, ${int(1, 28)} ${pick(['Jan', 'Mar', 'May', 'Jul', 'Oct'])} 2024 ${pad2(int(0, 23))}:${pad2(int(0, 59))}:${pad2(int(0, 59))} GMT`,
    `content-type: application/json`,
    `x-request-id: ${reqId()}`,
    `x-ratelimit-limit-requests: ${pick([500, 5000, 10000])}`,
    `x-ratelimit-remaining-requests: ${int(0, 499)}`,
    `x-ratelimit-reset-tokens: ${int(1, 59)}ms`,
    `set-cookie: __cf_bm=${b64url(43)}-${epoch()}-1.0.1.1-${b64url(60)}; path=/; expires=Thu, 01-Aug-24 10:00:00 GMT; HttpOnly; Secure`,
    `cf-ray: ${hex(16)}-${pick(['FRA', 'IAD', 'SJC', 'NRT', 'LHR'])}`,
  ]
  if (chance(0.5)) lines.push(`openai-organization: org-${alnum(24)}`)
  if (chance(0.5)) lines.push(`retry-after: ${int(1, 30)}`)
  return frame(
    [lines[0], ...shuffle(lines.slice(1)).slice(0, int(5, 8))].join('\n'),
    [
      'Upstream response headers when we get throttled:',
      'How long should the gateway wait before retrying based on this?',
      'Is the cf-ray useful for a support ticket?',
    ],
    [
      'Should the retry logic use retry-after or the ratelimit headers?',
      'Which request id do I give to support?',
    ]
  )
}

function tPemKey() {
  const kind = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY'])
  const body = `-----BEGIN ${kind}-----\n${pemBody(int(4, 18))}\n-----END ${kind}-----`
  return frame(
    body,
    [
      'Is this key PKCS#1 or PKCS#8?',
      'How do I convert this to a single-line string for an env var?',
      "openssl says 'unable to load Private Key' for this file:",
      "Our Vertex service account key, the gateway can't parse it:",
      'Which format is this and how do I get the public key from it?',
      'Wie bekomme ich das in ein Kubernetes Secret?',
    ],
    ['Do I need the header lines when storing it in Vault?', 'Why would jose reject it?']
  )
}

function tCert() {
  const body = `-----BEGIN CERTIFICATE-----\n${pemBody(int(6, 16))}\n-----END CERTIFICATE-----`
  const info = chance(0.5)
    ? `\n\nsubject=CN = ${pick(['gateway.acme.dev', '*.internal.corp', 'api.example.org'])}\nissuer=C = US, O = ${pick(["Let's Encrypt", 'DigiCert Inc', 'Internal CA'])}, CN = ${pick(['R3', 'E1', 'Corp Issuing CA 02'])}\nnotAfter=${pick(['Jan', 'Jun', 'Sep', 'Dec'])} ${int(1, 28)} ${pad2(int(0, 23))}:00:00 202${int(4, 6)} GMT\nSHA256 Fingerprint=${Array.from({ length: 32 }, () => hex(2).toUpperCase()).join(':')}`
    : ''
  return frame(
    body + info,
    [
      'Is this the leaf cert or the intermediate?',
      'Node says UNABLE_TO_VERIFY_LEAF_SIGNATURE with this CA bundle:',
      "How do I add this to the gateway's trust store?",
      'Cert del proxy corporativo, ¿cómo lo añado a Python requests?',
    ],
    ['When does it expire?', 'Do I need the full chain?']
  )
}

function tSsh() {
  const keys = Array.from({ length: int(1, 4) }, sshKey)
  let body = keys.join('\n')
  if (chance(0.4))
    body += `\n\n$ ssh-keygen -lf ~/.ssh/id_${pick(['ed25519', 'rsa'])}.pub\n${pick([256, 3072, 4096])} SHA256:${b64(32).replace(/=+$/, '')} ${pick(['dev@laptop', 'ci@runner'])} (${pick(['ED25519', 'RSA'])})`
  return frame(
    body,
    [
      'authorized_keys on the bastion, which one is the deploy key?',
      'Add my public key to the server, is this the right one to paste?',
      'Permission denied (publickey) even though this key is in authorized_keys:',
      'Is this an ed25519 or RSA key?',
      "GitHub says 'key is already in use'. Key:",
    ],
    ["Why does ssh -v say it's not offered?", 'Can I have comments with spaces?']
  )
}

function tHashes() {
  const files = sample(
    [
      'gateway-linux-amd64',
      'gateway-linux-arm64',
      'gateway-darwin-arm64',
      'gateway-windows-amd64.exe',
      'checksums.txt.sig',
      'model.safetensors',
      'tokenizer.json',
      'config.json',
      'release.tar.gz',
    ],
    int(2, 6)
  )
  const algo = pick(['sha256', 'sha1', 'md5'])
  const h = { sha256: sha256, sha1: sha, md5: () => hex(32) }[algo]
  const body =
    (chance(0.5) ? `$ ${algo}sum -c ${algo.toUpperCase()}SUMS\n` : '') +
    files.map((f) => `${h()}  ${f}`).join('\n')
  return frame(
    body,
    [
      'Checksums from the release page, how do I verify the download on macOS?',
      "The hash of my download doesn't match any of these:",
      'Are these SHA-256 or SHA-1?',
      'Write a script that checks these hashes.',
      '¿Cómo verifico estos hashes en Windows?',
    ],
    ['Is md5 good enough here?', 'Which tool do I use on Windows?']
  )
}

function tUuids() {
  const n = int(3, 12)
  const header = pick([
    'id,tenant_id,created_at,status',
    'request_id,key_id,model,tokens',
    'user_id,org_id,role',
  ])
  const rows = Array.from({ length: n }, () => {
    if (header.startsWith('id'))
      return `${uuid()},${uuid()},${isoTime()},${pick(['active', 'revoked', 'pending'])}`
    if (header.startsWith('request'))
      return `${reqId()},key_${alnum(12)},${pick(['gpt-4o', 'claude-3-5-sonnet', 'llama-3.1-70b', 'mistral-large'])},${int(10, 9000)}`
    return `${uuid()},${uuid()},${pick(['admin', 'member', 'viewer'])}`
  })
  return frame(
    [header, ...rows].join('\n'),
    [
      'Export from the usage table. Total the tokens per model?',
      'Find duplicate ids in this CSV:',
      'Convert this CSV to JSON.',
      'Which rows are revoked?',
      'Group these by tenant please.',
      'Convierte este CSV a una tabla markdown.',
    ],
    ['Can you sort by created_at?', 'Write the SQL to load this into Postgres.']
  )
}

function tBase64() {
  const kind = pick(['raw', 'json', 'dockercfg', 'basic'])
  let body
  if (kind === 'json')
    body = Buffer.from(JSON.stringify({ tenant: uuid(), key: alnum(24), ts: epoch() })).toString(
      'base64'
    )
  else if (kind === 'dockercfg')
    body = Buffer.from(
      JSON.stringify({
        auths: {
          'ghcr.io': {
            auth: Buffer.from(`${pick(['ci-bot', 'deploy'])}:${githubPat()}`).toString('base64'),
          },
        },
      })
    ).toString('base64')
  else if (kind === 'basic')
    body =
      'Authorization: Basic ' +
      Buffer.from(`${pick(['api', 'admin', 'svc_gateway'])}:${pw()}`).toString('base64')
  else body = b64(int(48, 600)).replace(/(.{76})/g, '$1\n')
  return frame(
    body,
    [
      "What's encoded in this base64?",
      'Decode this please.',
      'Is this base64 or base64url?',
      'Found this blob in a config map, what is it?',
      'Dekodiere das bitte:',
      'Décode ça stp :',
      'このbase64をデコードして。',
    ],
    ['Is it gzip-compressed inside?', 'Why does atob() fail on it?']
  )
}

function tHexdump() {
  const lines = Array.from({ length: int(3, 10) }, (_, i) => {
    const bytes = Array.from({ length: 16 }, () => hex(2))
    const ascii = bytes
      .map((b) => {
        const c = parseInt(b, 16)
        return c >= 32 && c < 127 ? String.fromCharCode(c) : '.'
      })
      .join('')
    return `${(i * 16).toString(16).padStart(8, '0')}: ${bytes.map((b, j) => (j % 2 ? b + ' ' : b)).join('')} ${ascii}`
  })
  return frame(
    lines.join('\n'),
    [
      'xxd of the first bytes of the file the gateway refuses to upload:',
      'What file type is this from the magic bytes?',
      'The response body looks like this in hex, is it compressed?',
      'Is there a BOM at the start?',
    ],
    ['Is it protobuf?', 'Could this be a corrupt gzip?']
  )
}

const svc = () =>
  pick([
    'payments-api',
    'llm-gateway',
    'billing-worker',
    'auth-service',
    'embeddings',
    'router',
    'usage-exporter',
    'webhooks',
  ])
const ns = () => pick(['prod', 'staging', 'default', 'gateway', 'platform', 'ml'])

function tK8sSecret() {
  const keys = sample(
    [
      'OPENAI_API_KEY',
      'ANTHROPIC_API_KEY',
      'DB_PASSWORD',
      'REDIS_PASSWORD',
      'JWT_SIGNING_KEY',
      'STRIPE_SECRET_KEY',
      'AWS_SECRET_ACCESS_KEY',
      'HF_TOKEN',
      'WEBHOOK_SECRET',
    ],
    int(2, 6)
  )
  const stringData = chance(0.4)
  const vals = {
    OPENAI_API_KEY: openaiKey,
    ANTHROPIC_API_KEY: anthropicKey,
    STRIPE_SECRET_KEY: stripeLive,
    AWS_SECRET_ACCESS_KEY: awsSecret,
    HF_TOKEN: hfToken,
    WEBHOOK_SECRET: stripeWh,
  }
  const lines = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    `  name: ${svc()}-secrets`,
    `  namespace: ${ns()}`,
    ...(chance(0.4) ? ['  labels:', `    app.kubernetes.io/name: ${svc()}`] : []),
    'type: Opaque',
    stringData ? 'stringData:' : 'data:',
    ...keys.map((k) => {
      const v = (vals[k] || (() => pw(int(16, 32))))()
      return `  ${k}: ${stringData ? JSON.stringify(v) : Buffer.from(v).toString('base64')}`
    }),
  ]
  return frame(
    lines.join('\n'),
    [
      'kubectl apply says the secret is invalid:',
      'Should I use data or stringData here?',
      'Convert this Secret to a SealedSecret workflow, what are the steps?',
      'How do I mount these as env vars in the deployment?',
      'Is the base64 here correct?',
      'Wie verwalte ich das besser mit External Secrets?',
    ],
    [
      'Why does the pod see the value with a trailing newline?',
      'Can I reference it from another namespace?',
    ]
  )
}

function tK8sPods() {
  const s = svc()
  const rs = str('bcdfghjklmnpqrstvwxz2456789', 10)
  const rows = Array.from({ length: int(3, 8) }, () => {
    const st = pick([
      'Running',
      'Running',
      'Running',
      'CrashLoopBackOff',
      'Pending',
      'OOMKilled',
      'ImagePullBackOff',
    ])
    const ready = st === 'Running' ? '1/1' : '0/1'
    const restarts = st === 'Pending' || st === 'ImagePullBackOff' ? 0 : int(0, 40)
    return `${s}-${chance(0.7) ? rs : str('bcdfghjklmnpqrstvwxz2456789', 10)}-${str('bcdfghjklmnpqrstvwxz2456789', 5)}   ${ready}     ${st}   ${restarts}${restarts && chance(0.4) ? ` (${int(1, 59)}m ago)` : ''}   ${int(1, 30)}${pick(['d', 'h', 'm'])}`
  })
  const body =
    `$ kubectl -n ${ns()} get pods -l app=${s}\nNAME                              READY   STATUS    RESTARTS   AGE\n${rows.join('\n')}` +
    (chance(0.5)
      ? `\n\n$ kubectl -n ${ns()} get events --field-selector involvedObject.kind=Pod | tail -3\n${int(1, 9)}m  Warning  BackOff  pod/${s}-${lowerAlnum(10)}-${lowerAlnum(5)}  Back-off restarting failed container\n${int(1, 9)}m  Normal   Pulled   pod/${s}-${lowerAlnum(10)}-${lowerAlnum(5)}  Container image "${digits(12)}.dkr.ecr.us-east-1.amazonaws.com/${s}@sha256:${sha256()}" already present on machine`
      : '')
  return frame(
    body,
    [
      'Half the pods keep restarting after the deploy:',
      'Why is one stuck in Pending?',
      'What should I check first?',
      '¿Por qué están en CrashLoopBackOff?',
    ],
    ['Where do I look for the OOM reason?', 'Is the image digest the new one?']
  )
}

function tCompose() {
  const dbPw = pw()
  const body = [
    'services:',
    '  gateway:',
    `    image: ${pick(['ghcr.io/acme/llm-gateway', 'registry.gitlab.com/acme/gw', 'acme/gateway'])}:${semver()}`,
    '    ports:',
    `      - "${port()}:8080"`,
    '    environment:',
    `      DATABASE_URL: postgres://gw:${dbPw}@db:5432/gateway`,
    ...sample(
      [
        `      OPENAI_API_KEY: ${openaiKey()}`,
        `      ANTHROPIC_API_KEY: ${anthropicKey()}`,
        `      REDIS_URL: redis://:${pw()}@redis:6379/0`,
        `      MASTER_KEY: sk-${alnum(32)}`,
        `      SENTRY_DSN: ${sentryDsn()}`,
        `      GOOGLE_API_KEY: ${googleKey()}`,
      ],
      int(1, 4)
    ),
    '    depends_on: [db, redis]',
    '  db:',
    `    image: postgres:${pick([14, 15, 16])}`,
    '    environment:',
    '      POSTGRES_USER: gw',
    `      POSTGRES_PASSWORD: ${dbPw}`,
    '      POSTGRES_DB: gateway',
    '    volumes:',
    '      - pgdata:/var/lib/postgresql/data',
    '  redis:',
    `    image: redis:${pick(['7', '7-alpine', '6.2'])}`,
    'volumes:',
    '  pgdata: {}',
  ]
  return frame(
    body.join('\n'),
    [
      "docker compose up and the gateway can't reach the db:",
      'How do I move these secrets into an env_file?',
      'Add a healthcheck to the db service in this compose file.',
      'Is depends_on enough here or do I need a wait script?',
      'Wie füge ich hier einen Healthcheck hinzu?',
    ],
    ['Why does it say password authentication failed?', 'Can I use docker secrets instead?']
  )
}

function tTerraform() {
  const kind = pick(['tfvars', 'provider', 'resource'])
  let body
  if (kind === 'tfvars')
    body = [
      `aws_access_key   = "${awsKeyId()}"`,
      `aws_secret_key   = "${awsSecret()}"`,
      `region           = "${pick(['us-east-1', 'eu-west-1'])}"`,
      `db_password      = "${pw()}"`,
      `cloudflare_token = "${alnum(40)}"`,
      `datadog_api_key  = "${hex(32)}"`,
    ]
      .slice(0, int(3, 6))
      .join('\n')
  else if (kind === 'provider')
    body = `provider "aws" {\n  region     = "${pick(['us-east-1', 'eu-central-1'])}"\n  access_key = "${awsKeyId()}"\n  secret_key = "${awsSecret()}"\n}\n\nterraform {\n  backend "s3" {\n    bucket = "tfstate-${lowerAlnum(8)}"\n    key    = "${svc()}/terraform.tfstate"\n    region = "us-east-1"\n    dynamodb_table = "tf-locks"\n  }\n}`
  else
    body = `resource "aws_secretsmanager_secret_version" "${pick(['openai', 'anthropic', 'gateway'])}" {\n  secret_id     = aws_secretsmanager_secret.${pick(['llm', 'gw', 'keys'])}.id\n  secret_string = jsonencode({\n    api_key = "${pick([openaiKey, anthropicKey])()}"\n    org_id  = "org-${alnum(24)}"\n  })\n}\n\nresource "aws_iam_access_key" "ci" {\n  user = aws_iam_user.ci.name\n  pgp_key = "keybase:${pick(['ops', 'platform'])}"\n}`
  return frame(
    body,
    [
      'terraform plan wants to recreate this every time, why?',
      'How do I stop these ending up in the state file in plain text?',
      'Rewrite this to read the values from variables instead.',
      'Is it OK to keep credentials in the provider block like this?',
      'Convierte esto para usar variables de entorno.',
    ],
    ["What's the cleanest way with SOPS?", 'Should this be a data source instead?']
  )
}

function tTfPlan() {
  const fn = pick(['router', 'webhook', 'exporter', 'authorizer', 'usage_rollup'])
  const body = `Terraform will perform the following actions:\n\n  # aws_lambda_function.${fn} will be updated in-place\n  ~ resource "aws_lambda_function" "${fn}" {\n        id            = "${svc()}-${ns()}"\n      ~ source_code_hash = "${b64(32)}" -> "${b64(32)}"\n      ~ environment {\n          ~ variables = {\n              ~ "API_KEY" = (sensitive value)\n                "LOG_LEVEL" = "info"\n              + "TRACE_ID_HEADER" = "x-request-id"\n            }\n        }\n        # (${int(12, 30)} unchanged attributes hidden)\n    }\n\nPlan: 0 to add, 1 to change, 0 to destroy.`
  return frame(
    body,
    [
      'Why does the hash change on every plan even without code changes?',
      'Is this plan safe to apply?',
      'What does (sensitive value) mean here?',
    ],
    ['How do I make the build reproducible?', 'Any risk of downtime?']
  )
}

const model = () =>
  pick([
    'gpt-4o-2024-08-06',
    'gpt-4o-mini',
    'claude-3-5-sonnet-20241022',
    'claude-3-haiku-20240307',
    'gemini-1.5-pro',
    'llama-3.1-70b-instruct',
    'mistral-large-latest',
  ])

function tChatResp() {
  const id = pick([
    () => 'chatcmpl-' + alnum(29),
    () => 'msg_01' + alnum(22),
    () => 'gen-' + digits(10) + '-' + alnum(20),
  ])()
  const obj = {
    id,
    object: 'chat.completion',
    created: epoch(),
    model: model(),
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: pick([
            'OK',
            'The build passed.',
            'Here is the summary.',
            '{"status":"ok"}',
            'Done.',
          ]),
        },
        finish_reason: pick(['stop', 'length', 'tool_calls']),
      },
    ],
    usage: { prompt_tokens: int(5, 4000), completion_tokens: int(1, 900), total_tokens: 0 },
    system_fingerprint: 'fp_' + hex(10),
  }
  obj.usage.total_tokens = obj.usage.prompt_tokens + obj.usage.completion_tokens
  if (chance(0.4))
    obj.x_gateway = {
      request_id: uuid(),
      virtual_key: mask('sk-gw-'),
      cache: pick(['hit', 'miss']),
      latency_ms: int(80, 9000),
    }
  return frame(
    JSON.stringify(obj, null, chance(0.6) ? 2 : 0),
    [
      'Response from the gateway, why is total_tokens higher than what we bill?',
      'Is finish_reason length why the answer got cut off?',
      'Parse this in Go, what struct do I need?',
      'Write a zod schema for this response.',
      '¿Por qué la respuesta se corta?',
    ],
    ['Where does the system_fingerprint come from?', 'How do I log just the usage part?']
  )
}

function tOauthResp() {
  const obj = {
    access_token: chance(0.5) ? jwt() : 'ya29.' + b64url(int(120, 180)),
    token_type: 'Bearer',
    expires_in: pick([3599, 3600, 7200, 300]),
    refresh_token: pick([() => '1//' + b64url(100), () => 'rt_' + alnum(48), () => b64url(64)])(),
    scope: pick([
      'openid email profile',
      'https://www.googleapis.com/auth/cloud-platform',
      'read write',
      'offline_access api://gateway/.default',
    ]),
    ...(chance(0.5) ? { id_token: jwt() } : {}),
  }
  return frame(
    JSON.stringify(obj, null, 2),
    [
      'Token endpoint response. When should I refresh?',
      'Store which of these in the session cookie?',
      'Why is there no refresh_token sometimes?',
      'Token-Antwort vom IdP:',
    ],
    ['Is 3599 seconds normal?', 'Do I need the id_token at all?']
  )
}

function tApiKeysList() {
  const data = Array.from({ length: int(2, 6) }, () => ({
    id: pick(['key_', 'ak_', 'vk_']) + alnum(16),
    name: pick(['ci', 'prod-web', 'local-dev', 'batch-jobs', 'ana-laptop', 'staging']),
    prefix: pick(['sk-gw-', 'sk-proj-', 'sk-ant-']) + alnum(4),
    last_used_at: chance(0.8) ? isoTime() : null,
    created_by: uuid(),
    scopes: sample(['chat', 'embeddings', 'admin', 'usage:read', 'files'], int(1, 3)),
  }))
  return frame(
    JSON.stringify({ object: 'list', data, has_more: chance(0.3) }, null, 2),
    [
      "GET /admin/keys output. Which keys haven't been used in a month?",
      'Which of these have admin scope?',
      'Render this as a table.',
      'Quais chaves têm escopo admin?',
    ],
    ['How do I paginate this?', 'Can I revoke by prefix?']
  )
}

const logLevel = () => pick(['INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG'])
function tLogs() {
  const fmt = pick(['plain', 'json', 'nginx'])
  const n = int(3, 14)
  const lines = Array.from({ length: n }, () => {
    if (fmt === 'json')
      return JSON.stringify({
        ts: isoTime(),
        level: logLevel().toLowerCase(),
        msg: pick([
          'upstream request',
          'cache miss',
          'rate limited',
          'key verified',
          'retrying',
          'stream closed',
        ]),
        request_id: uuid(),
        key_id: 'key_' + alnum(12),
        upstream: pick(['openai', 'anthropic', 'bedrock', 'vertex']),
        status: pick([200, 200, 429, 500, 502]),
        latency_ms: int(20, 12000),
      })
    if (fmt === 'nginx')
      return `${pubIp()} - - [${int(1, 28)}/${pick(['May', 'Jun', 'Jul'])}/2024:${pad2(int(0, 23))}:${pad2(int(0, 59))}:${pad2(int(0, 59))} +0000] "POST /v1/${pick(['chat/completions', 'embeddings', 'messages'])} HTTP/1.1" ${pick([200, 200, 401, 429, 499, 504])} ${int(100, 90000)} "-" "${pick(['python-httpx/0.27.0', 'node-fetch/1.0', 'OpenAI/NodeJS/4.52.0'])}" rt=${(rand() * 20).toFixed(3)} req_id=${hex(32)}`
    return `${isoTime()} ${logLevel().padEnd(5)} [${svc()}] ${pick(['trace_id', 'request_id', 'rid'])}=${hex(32)} ${pick([`upstream=${pick(['openai', 'anthropic'])} status=${pick([200, 429, 503])} dur=${int(30, 9000)}ms`, `key=${mask('sk-')} tenant=${uuid()}`, `cache=miss hash=${sha256().slice(0, 16)}`, `retry attempt=${int(1, 5)} backoff=${int(100, 4000)}ms`, `conn pool exhausted size=${int(5, 50)}`])}`
  })
  return frame(
    lines.join('\n'),
    [
      "Gateway logs from the incident window. What's the pattern?",
      'Find the slowest request in these logs.',
      'Count status codes per upstream from these lines.',
      'Write a jq/awk one-liner that extracts request ids with status >= 500.',
      '¿Qué está pasando en estos logs?',
      'Was ist in diesen Logs auffällig?',
      'ログを見て原因を推測してください。',
      '看看这些日志，问题在哪？',
    ],
    ['Is it the upstream or us?', 'Which request id should I escalate?', 'Why are there 499s?']
  )
}

function tPyTrace() {
  const rid = reqId()
  const body = `Traceback (most recent call last):\n  File "/app/${pick(['gateway', 'worker', 'router'])}/${pick(['proxy.py', 'handlers.py', 'client.py'])}", line ${int(20, 400)}, in ${pick(['forward', 'handle', 'stream_chunks'])}\n    resp = await self._client.post(url, headers=headers, json=body)\n  File "/usr/local/lib/python3.${int(9, 12)}/site-packages/httpx/_client.py", line ${int(1500, 1900)}, in post\n    return await self.request(\n  File "/usr/local/lib/python3.${int(9, 12)}/site-packages/httpx/_client.py", line ${int(1500, 1900)}, in send\n    raise exc\n${pick([`httpx.ReadTimeout: timed out`, `openai.RateLimitError: Error code: 429 - {'error': {'message': 'Rate limit reached for ${model()} in organization org-${alnum(24)} on tokens per min (TPM): Limit ${pick([30000, 200000, 2000000])}, Used ${int(1000, 30000)}, Requested ${int(100, 9000)}.', 'type': 'tokens', 'code': 'rate_limit_exceeded'}}`, `anthropic.AuthenticationError: Error code: 401 - {'type': 'error', 'error': {'type': 'authentication_error', 'message': 'invalid x-api-key'}}`, `KeyError: 'choices'`])}\nrequest_id=${rid}`
  return frame(
    body,
    [
      'Getting this in prod intermittently:',
      "What's the root cause here?",
      'How should the gateway handle this error?',
      'Add retry with backoff around this call.',
      'Dieser Fehler tritt sporadisch auf:',
    ],
    ['Should we retry this or fail fast?', 'Is it our key or theirs?']
  )
}

function tNodeTrace() {
  const body = pick([
    () =>
      `Error: ${pick(['connect ECONNREFUSED ' + ip() + ':' + port(), 'getaddrinfo ENOTFOUND ' + pick(['api.openai.com', 'redis-master', 'db']), 'socket hang up', 'Request failed with status code 401'])}\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:${int(1400, 1600)}:${int(10, 20)})\n    at ${pick(['Proxy.forward', 'Router.handle', 'KeyCache.refresh'])} (/srv/app/dist/${pick(['proxy', 'router', 'keys'])}.js:${int(10, 900)}:${int(5, 40)})\n    at async ${pick(['handler', 'Server.<anonymous>'])} (/srv/app/dist/index.js:${int(10, 300)}:${int(5, 30)}) {\n  errno: -${int(100, 120)},\n  code: '${pick(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET'])}',\n  requestId: '${uuid()}'\n}`,
    () =>
      `${pick(['java.net.SocketTimeoutException: Read timed out', 'javax.net.ssl.SSLHandshakeException: PKIX path building failed', 'org.springframework.web.client.HttpClientErrorException$Unauthorized: 401 Unauthorized'])}\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:${int(200, 300)})\n\tat com.acme.gateway.upstream.${pick(['OpenAiClient', 'BedrockClient', 'AzureClient'])}.complete(${pick(['OpenAiClient', 'BedrockClient', 'AzureClient'])}.java:${int(40, 400)})\n\tat com.acme.gateway.api.ChatController.create(ChatController.java:${int(30, 200)})\n\t... ${int(20, 80)} more\n[traceId=${hex(32)} spanId=${hex(16)}]`,
    () =>
      `panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x${hex(2)} pc=0x${hex(6)}]\n\ngoroutine ${int(10, 9000)} [running]:\ngithub.com/acme/gateway/internal/${pick(['auth', 'proxy', 'ratelimit'])}.(*${pick(['Verifier', 'Limiter', 'Pool'])}).${pick(['Check', 'Take', 'Get'])}(0xc000${hex(6)}, {0xc00${hex(7)}, 0x${hex(2)}})\n\t/src/internal/${pick(['auth', 'proxy', 'ratelimit'])}/${pick(['verify', 'bucket', 'pool'])}.go:${int(20, 300)} +0x${hex(3)}\nnet/http.HandlerFunc.ServeHTTP(0xc000${hex(6)}, {0x${hex(7)}, 0xc000${hex(6)}}, 0xc000${hex(6)})\n\t/usr/local/go/src/net/http/server.go:${int(2100, 2200)} +0x2f`,
  ])()
  return frame(
    body,
    [
      'Stack trace from the gateway pod:',
      "What's causing this crash?",
      'Where should I add a nil check?',
      'Es passiert nur unter Last:',
      'Ce crash arrive en prod seulement :',
    ],
    ['Is it a bug in our code or the library?', 'How do I reproduce it locally?']
  )
}

function tGitDiff() {
  const f = pick([
    'config/gateway.yaml',
    'src/settings.py',
    'deploy/values-prod.yaml',
    '.github/workflows/deploy.yml',
    'docker-compose.yml',
    'lib/client.ts',
  ])
  const keyLine = pick([
    () => `OPENAI_API_KEY: "${openaiKey()}"`,
    () => `api_key = "${anthropicKey()}"`,
    () => `const STRIPE_KEY = "${stripeTest()}";`,
    () => `SLACK_TOKEN: ${slackBot()}`,
    () => `aws_secret_access_key: ${awsSecret()}`,
    () => `token: ${githubPat()}`,
  ])()
  const body = `diff --git a/${f} b/${f}\nindex ${shortSha()}..${shortSha()} 100644\n--- a/${f}\n+++ b/${f}\n@@ -${int(1, 80)},${int(4, 8)} +${int(1, 80)},${int(4, 9)} @@\n ${pick(['upstreams:', 'settings = {', 'env:', 'jobs:'])}\n-  ${pick(['timeout: 30', 'retries: 2', 'region: us-east-1', 'model: gpt-4o-mini'])}\n+  ${pick(['timeout: 60', 'retries: 5', 'region: eu-west-1', 'model: gpt-4o'])}\n+  ${keyLine}\n   ${pick(['log_level: info', 'cache: true', 'replicas: 3', 'stream: true'])}`
  return frame(
    body,
    [
      'A pre-commit hook blocked this diff. Is it a false positive?',
      'Review this diff please.',
      'How do I remove this key from the history after it was pushed?',
      'Is this change safe to merge?',
      'Revisa este diff:',
      'Kannst du den Diff reviewen?',
    ],
    ['Should the key go in the secret store instead?', 'Do I need to rotate it now?']
  )
}

function tGitLog() {
  const msgs = [
    'fix(proxy): handle 429 from upstream',
    'feat: add anthropic streaming',
    'chore(deps): bump undici',
    'refactor key cache',
    'revert "enable prompt caching"',
    'docs: update README',
    'fix: redact authorization header in logs',
    'ci: pin node 20',
    'feat(router): weighted fallback',
    'test: flaky retry test',
  ]
  const n = int(3, 10)
  const full = chance(0.4)
  const body = full
    ? Array.from(
        { length: Math.min(n, 3) },
        () =>
          `commit ${sha()}\nAuthor: ${pick(['Ana Ruiz', 'Kenji Sato', 'Marta Nowak', 'Dev Bot'])} <${pick(['ana', 'kenji', 'marta', 'bot'])}@acme.dev>\nDate:   ${pick(['Mon', 'Tue', 'Wed'])} ${pick(['Jun', 'Jul'])} ${int(1, 28)} ${pad2(int(0, 23))}:${pad2(int(0, 59))}:${pad2(int(0, 59))} 2024 +0200\n\n    ${pick(msgs)}`
      ).join('\n\n')
    : `$ git log --oneline -${n}\n` +
      Array.from({ length: n }, () => `${hex(pick([7, 8, 9]))} ${pick(msgs)}`).join('\n')
  return frame(
    body,
    [
      'Which of these commits probably introduced the regression?',
      'Write release notes from this log.',
      'How do I revert just the second one?',
      'Squash these into one commit, how?',
      'Escribe un changelog con esto.',
    ],
    ['Which one should I bisect from?', 'Can I cherry-pick the fix onto the release branch?']
  )
}

function tSql() {
  const body = pick([
    () =>
      `SELECT k.id, k.name, k.key_hash, u.email, k.last_used_at\nFROM api_keys k\nJOIN users u ON u.id = k.owner_id\nWHERE k.revoked_at IS NULL\n  AND k.key_hash = '${sha256()}'\n  AND k.tenant_id = '${uuid()}';`,
    () =>
      `INSERT INTO api_keys (id, tenant_id, prefix, key_hash, created_at) VALUES\n${Array.from({ length: int(2, 5) }, () => `  ('${uuid()}', '${uuid()}', 'sk-gw-${alnum(4)}', '${sha256()}', now())`).join(',\n')};`,
    () =>
      `UPDATE users SET password_hash = '$2b$12$${str(ALNUM + './', 53)}', updated_at = now() WHERE id = ${int(1000, 99999)};`,
    () =>
      `CREATE USER ${dbUser()}_ro WITH PASSWORD '${pw()}';\nGRANT CONNECT ON DATABASE ${dbName()} TO ${dbUser()}_ro;\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO ${dbUser()}_ro;`,
    () =>
      `EXPLAIN ANALYZE SELECT * FROM request_log WHERE request_id = '${uuid()}';\n\nSeq Scan on request_log  (cost=0.00..${int(10000, 900000)}.00 rows=1 width=${int(100, 400)}) (actual time=${int(100, 9000)}.1..${int(9000, 20000)}.7 rows=1 loops=1)\n  Filter: (request_id = '${uuid()}'::uuid)\n  Rows Removed by Filter: ${int(100000, 9000000)}\nPlanning Time: 0.${digits(3)} ms\nExecution Time: ${int(9000, 20000)}.${digits(3)} ms`,
  ])()
  return frame(
    body,
    [
      'Is this query OK performance-wise?',
      'Why is this doing a seq scan?',
      'Rewrite this with parameters instead of literals.',
      'Which index should I add?',
      '¿Esta consulta es segura contra SQL injection?',
      'Optimiere diese Abfrage:',
    ],
    ['Would a partial index help?', 'Is bcrypt cost 12 enough?']
  )
}

function tMinJs() {
  const v = () =>
    pick(['e', 't', 'n', 'r', 'o', 'i', 'a', 's', 'u', 'c']) +
    (chance(0.3) ? pick(['', 'e', 't', 'n']) : '')
  const parts = Array.from({ length: int(3, 8) }, () =>
    pick([
      () =>
        `var ${v()}=${v()}("${hex(4)}"),${v()}=Object.assign||function(${v()}){for(var ${v()}=1;${v()}<arguments.length;${v()}++)`,
      () =>
        `function ${v()}(${v()},${v()}){return ${v()}.headers["x-api-key"]="${pick(['pk_live_51', 'pk_test_51'])}${alnum(24)}",${v()}}`,
      () =>
        `${v()}.exports={apiBase:"https://gw.acme.dev/v1",publicKey:"${googleKey()}",build:"${shortSha()}"};`,
      () => `!function(${v()}){"use strict";${v()}.__sentry={dsn:"${sentryDsn()}"}}(window);`,
      () =>
        `const ${v()}=await fetch(${v()},{method:"POST",headers:{authorization:\`Bearer \${${v()}}\`},body:JSON.stringify(${v()})});`,
      () =>
        `${v()}[${int(100, 9999)}]=function(${v()},${v()},${v()}){"use strict";${v()}.d(${v()},{Z:function(){return ${v()}}})};`,
    ])()
  )
  return frame(
    parts.join(''),
    [
      'Found this in our production bundle, is the key in here a problem?',
      'Pretty-print this minified code.',
      'What does this chunk do?',
      'Is it OK to ship a Stripe publishable key in the frontend?',
      'Formatea este JS minificado.',
    ],
    ['Which of these values are actually secret?', 'Can you deobfuscate the variable names?']
  )
}

function tLockfile() {
  const kind = pick(['npm', 'yarn', 'poetry', 'cargo', 'go'])
  const pkgs = sample(
    [
      'undici',
      'zod',
      'openai',
      '@anthropic-ai/sdk',
      'jose',
      'pino',
      'ioredis',
      'tiktoken',
      'fastify',
      'ws',
    ],
    int(2, 4)
  )
  let body
  if (kind === 'npm')
    body = pkgs
      .map(
        (p) =>
          `    "node_modules/${p}": {\n      "version": "${semver()}",\n      "resolved": "https://registry.npmjs.org/${p}/-/${p.split('/').pop()}-${semver()}.tgz",\n      "integrity": "sha512-${b64(64)}"${chance(0.5) ? `,\n      "license": "MIT"` : ''}\n    }`
      )
      .join(',\n')
  else if (kind === 'yarn')
    body = pkgs
      .map(
        (p) =>
          `"${p}@^${semver()}":\n  version "${semver()}"\n  resolved "https://registry.yarnpkg.com/${p}/-/${p.split('/').pop()}-${semver()}.tgz#${sha()}"\n  integrity sha512-${b64(64)}`
      )
      .join('\n\n')
  else if (kind === 'poetry')
    body = sample(['httpx', 'pydantic', 'anthropic', 'tiktoken', 'boto3', 'orjson'], int(2, 3))
      .map(
        (p) =>
          `[[package]]\nname = "${p}"\nversion = "${semver()}"\noptional = false\npython-versions = ">=3.8"\nfiles = [\n    {file = "${p}-${semver()}-py3-none-any.whl", hash = "sha256:${sha256()}"},\n    {file = "${p}-${semver()}.tar.gz", hash = "sha256:${sha256()}"},\n]`
      )
      .join('\n\n')
  else if (kind === 'cargo')
    body = sample(['tokio', 'reqwest', 'serde_json', 'hyper', 'rustls', 'tracing'], int(2, 4))
      .map(
        (p) =>
          `[[package]]\nname = "${p}"\nversion = "${semver()}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${sha256()}"`
      )
      .join('\n\n')
  else
    body = sample(
      [
        'github.com/sashabaranov/go-openai',
        'golang.org/x/net',
        'github.com/redis/go-redis/v9',
        'go.uber.org/zap',
        'github.com/golang-jwt/jwt/v5',
      ],
      int(2, 4)
    )
      .map((p) => {
        const ver = 'v' + semver()
        return `${p} ${ver} h1:${b64(32)}\n${p} ${ver}/go.mod h1:${b64(32)}`
      })
      .join('\n')
  return frame(
    body,
    [
      'Merge conflict in the lockfile, which side do I keep?',
      'CI fails with an integrity checksum mismatch on this entry:',
      'Why did these hashes change when I only bumped one package?',
      'Is there a known vulnerability in these versions?',
      'Conflito no lockfile, o que faço?',
    ],
    ['Should I just regenerate the lockfile?', 'Is it safe to delete and reinstall?']
  )
}

function tMasked() {
  const rows = Array.from({ length: int(2, 7) }, () => {
    const p = pick([
      'sk-',
      'sk-proj-',
      'sk-ant-api03-',
      'sk_live_',
      'ghp_',
      'xoxb-',
      'AKIA',
      'AIza',
      'SG.',
      'hf_',
    ])
    return pick([
      () =>
        `${pick(['prod', 'staging', 'ci', 'ana-dev', 'batch']).padEnd(8)} ${mask(p)}   created ${isoTime().slice(0, 10)}   last used ${pick(['2 hours ago', 'never', 'yesterday', int(2, 90) + ' days ago'])}`,
      () => `${p}${'*'.repeat(int(8, 20))}${alnum(4)}`,
      () => `${p}${alnum(4)}...${alnum(4)}  (${pick(['active', 'revoked', 'expired'])})`,
    ])()
  })
  return frame(
    rows.join('\n'),
    [
      'These are the keys shown in the dashboard. Which should I revoke?',
      'Is it enough to show the last four characters like this?',
      'How do I tell which of these is used by the gateway?',
      'Write a regex that matches these masked formats.',
      'Quelles clés dois-je révoquer ?',
      '哪些密钥应该吊销？',
    ],
    ['Can I recover the full key from the dashboard?', "Are the 'never used' ones safe to delete?"]
  )
}

function tWallet() {
  const body = pick([
    () =>
      `{\n  "transactionHash": "0x${hex(64)}",\n  "blockNumber": ${int(18000000, 21000000)},\n  "from": "${ethAddr()}",\n  "to": "${ethAddr()}",\n  "gasUsed": "${int(21000, 300000)}",\n  "status": 1,\n  "logs": [{ "topics": ["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", "0x000000000000000000000000${hex(40)}"] }]\n}`,
    () =>
      `BTC: ${btcAddr()}\nETH: ${ethAddr()}\nSOL: ${solAddr()}\nMemo: ${pick(['invoice', 'INV'])}-${digits(6)}`,
    () =>
      `const provider = new ethers.JsonRpcProvider("https://mainnet.infura.io/v3/${hex(32)}");\nconst balance = await provider.getBalance("${ethAddr()}");`,
  ])()
  return frame(
    body,
    [
      'Is this address checksummed correctly?',
      'Decode what this transfer log means.',
      'Payment addresses for the invoice page. Which networks are these?',
      'Why does getBalance return 0n here?',
      '¿Esta dirección es válida?',
    ],
    ['Is the Infura project id sensitive?', 'How do I validate these in the form?']
  )
}

function tLicense() {
  const body = pick([
    () =>
      `License key: ${licenseKey()}\nSeats: ${int(1, 250)}\nValid until: 202${int(5, 7)}-${pad2(int(1, 12))}-${pad2(int(1, 28))}\nSignature: ${b64(64)}`,
    () =>
      Array.from(
        { length: int(2, 6) },
        () =>
          `${pick(['JetBrains', 'Sublime', 'Cursor', 'Tableplus', 'Proxyman']).padEnd(10)} ${licenseKey()}`
      ).join('\n'),
    () =>
      `{"license":{"id":"lic_${alnum(16)}","key":"${upperAlnum(8)}-${upperAlnum(8)}-${upperAlnum(8)}-${upperAlnum(8)}","plan":"${pick(['enterprise', 'team', 'pro'])}","machine_fingerprint":"${sha256()}"}}`,
  ])()
  return frame(
    body,
    [
      "The enterprise gateway says the license is invalid, here's what's in the file:",
      'Validation fails after we moved the server. License info:',
      'Where do I put this license key in the helm values?',
      'Does the fingerprint need to match the new host?',
    ],
    ['Do I need to contact the vendor to rebind it?', 'Is the signature base64?']
  )
}

function tGhActions() {
  const body = `name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n      contents: read\n    steps:\n      - uses: actions/checkout@${sha()}\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-to-assume: arn:aws:iam::${digits(12)}:role/${pick(['gh-deploy', 'ci-oidc'])}\n          aws-region: ${pick(['us-east-1', 'eu-west-1'])}\n      - run: ./scripts/deploy.sh\n        env:\n          ${pick(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GATEWAY_TOKEN'])}: \${{ secrets.${pick(['OPENAI_API_KEY', 'LLM_KEY', 'GW_TOKEN'])} }}\n          ${chance(0.5) ? `SLACK_WEBHOOK: ${slackWebhook()}` : `SENTRY_AUTH_TOKEN: sntrys_${b64url(int(80, 120))}`}`
  return frame(
    body,
    [
      "Workflow fails at the credentials step with 'Not authorized to perform sts:AssumeRoleWithWebIdentity':",
      'Is pinning actions to a SHA like this the right practice?',
      'Should the Slack webhook be in secrets too?',
      'Add a test job before deploy.',
    ],
    ['What trust policy does the role need?', 'Why is checkout pinned to a hash?']
  )
}

function tGatewayConfig() {
  const body = `model_list:\n${sample(
    [
      () =>
        `  - model_name: gpt-4o\n    litellm_params:\n      model: openai/gpt-4o\n      api_key: ${openaiKey()}`,
      () =>
        `  - model_name: claude-sonnet\n    litellm_params:\n      model: anthropic/claude-3-5-sonnet-20241022\n      api_key: ${anthropicKey()}`,
      () =>
        `  - model_name: azure-gpt4\n    litellm_params:\n      model: azure/${pick(['gpt4-prod', 'gpt-4o-eu'])}\n      api_base: https://${lowerAlnum(8)}.openai.azure.com/\n      api_key: ${hex(32)}\n      api_version: "2024-06-01"`,
      () =>
        `  - model_name: bedrock-haiku\n    litellm_params:\n      model: bedrock/anthropic.claude-3-haiku-20240307-v1:0\n      aws_access_key_id: ${awsKeyId()}\n      aws_secret_access_key: ${awsSecret()}\n      aws_region_name: us-east-1`,
      () =>
        `  - model_name: gemini\n    litellm_params:\n      model: gemini/gemini-1.5-pro\n      api_key: ${googleKey()}`,
    ],
    int(2, 4)
  )
    .map((f) => f())
    .join('\n')}\ngeneral_settings:\n  master_key: sk-${alnum(24)}\n  database_url: ${pgUrl()}`
  return frame(
    body,
    [
      "Proxy config for our gateway. Requests to claude-sonnet 404, what's wrong?",
      'How do I move these api keys to os.environ references?',
      'Add a fallback from gpt-4o to claude-sonnet in this config.',
      'Is the master_key format right?',
      'Wie richte ich hier Fallbacks ein?',
    ],
    ['Can I set per-model rate limits here?', 'Why is azure returning DeploymentNotFound?']
  )
}

function tClientCode() {
  const body = pick([
    () =>
      `from openai import OpenAI\n\nclient = OpenAI(\n    api_key="${openaiKey()}",\n    base_url="https://${pick(['gateway.acme.dev', 'llm.internal'])}/v1",\n    default_headers={"X-Tenant-Id": "${uuid()}"},\n)\nresp = client.chat.completions.create(model="${model()}", messages=[{"role": "user", "content": "ping"}])\nprint(resp.choices[0].message.content)`,
    () =>
      `import Anthropic from "@anthropic-ai/sdk";\n\nconst client = new Anthropic({ apiKey: "${anthropicKey()}", baseURL: "https://${pick(['gw.acme.dev', 'proxy.corp.local'])}/anthropic" });\nconst msg = await client.messages.create({ model: "${model()}", max_tokens: ${pick([256, 1024])}, messages: [{ role: "user", content: "hello" }] });`,
    () =>
      `import boto3\n\nsession = boto3.Session(\n    aws_access_key_id="${awsKeyId()}",\n    aws_secret_access_key="${awsSecret()}",\n    region_name="us-east-1",\n)\nbrt = session.client("bedrock-runtime")\nout = brt.invoke_model(modelId="anthropic.claude-3-haiku-20240307-v1:0", body=payload)`,
    () =>
      `const stripe = require("stripe")("${stripeTest()}");\nconst event = stripe.webhooks.constructEvent(req.body, req.headers["stripe-signature"], "${stripeWh()}");`,
    () =>
      `client := openai.NewClientWithConfig(openai.ClientConfig{\n\tauthToken: "${openaiKey()}",\n\tBaseURL:   "https://gw.acme.dev/v1",\n\tOrgID:     "org-${alnum(24)}",\n})`,
    () =>
      `from slack_sdk import WebClient\nclient = WebClient(token="${slackBot()}")\nclient.chat_postMessage(channel="${pick(['#alerts', 'C0' + upperAlnum(9)])}", text="deploy ${shortSha()} done")`,
  ])()
  return frame(
    body,
    [
      'This works locally but times out behind the gateway:',
      'Refactor this to read the key from the environment.',
      'Add streaming to this snippet.',
      "Why does this give 'Connection error'?",
      'Write a unit test for this with the client mocked.',
      'Refactoriza esto para leer la clave del entorno.',
      'この コードをリファクタリングしてください。',
    ],
    ['Is base_url supposed to include /v1?', 'How do I set a timeout?']
  )
}

function tStripeEvent() {
  const t = epoch()
  const body = `Stripe-Signature: t=${t},v1=${hex(64)},v0=${hex(64)}\n\n${JSON.stringify(
    {
      id: 'evt_' + alnum(24),
      object: 'event',
      api_version: '2024-06-20',
      created: t,
      type: pick([
        'invoice.paid',
        'customer.subscription.updated',
        'payment_intent.succeeded',
        'checkout.session.completed',
      ]),
      data: {
        object: {
          id: pick(['in_', 'sub_', 'pi_', 'cs_live_']) + alnum(24),
          customer: 'cus_' + alnum(14),
          amount_paid: int(500, 99900),
          currency: pick(['usd', 'eur', 'gbp']),
        },
      },
      livemode: chance(0.5),
      request: { id: 'req_' + alnum(14), idempotency_key: uuid() },
    },
    null,
    2
  )}`
  return frame(
    body,
    [
      'Webhook signature verification fails for this event:',
      "Why is constructEvent throwing 'No signatures found matching the expected signature'?",
      'How do I replay this event locally?',
      'La verificación de la firma falla con este evento:',
    ],
    ['Does the raw body matter here?', 'Which secret do I verify with, live or test?']
  )
}

function tAzureSettings() {
  const body = JSON.stringify(
    [
      { name: 'AzureWebJobsStorage', value: azureConn(), slotSetting: false },
      { name: 'ServiceBusConnection', value: azureSb(), slotSetting: false },
      {
        name: 'AZURE_OPENAI_ENDPOINT',
        value: `https://${lowerAlnum(10)}.openai.azure.com/`,
        slotSetting: false,
      },
      { name: 'AZURE_OPENAI_KEY', value: hex(32), slotSetting: true },
      {
        name: 'APPINSIGHTS_CONNECTIONSTRING',
        value: `InstrumentationKey=${uuid()};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/`,
      },
    ].slice(0, int(2, 5)),
    null,
    2
  )
  return frame(
    body,
    [
      'App settings export from the function app. Which should move to Key Vault?',
      "The function can't connect to Service Bus with this:",
      'How do I reference Key Vault secrets in these settings?',
      'Export aus dem Azure-Portal:',
    ],
    ['What does slotSetting do?', 'Is the instrumentation key secret?']
  )
}

function tSecretScan() {
  const findings = Array.from({ length: int(1, 4) }, () => {
    const [rule, secret] = pick([
      ['aws-access-token', awsKeyId],
      ['github-pat', githubPat],
      ['slack-bot-token', slackBot],
      ['stripe-access-token', stripeLive],
      ['gcp-api-key', googleKey],
      ['openai-api-key', openaiKey],
      ['private-key', () => '-----BEGIN RSA PRIVATE KEY-----'],
      ['jwt', jwt],
    ])
    return `Finding:     ${secret()}\nSecret:      ${secret()}\nRuleID:      ${rule}\nEntropy:     ${(3 + rand() * 2.5).toFixed(6)}\nFile:        ${pick(['tests/fixtures/config.json', 'docs/setup.md', 'src/config.ts', '.env.example', 'scripts/seed.py'])}\nLine:        ${int(1, 300)}\nCommit:      ${sha()}\nFingerprint: ${sha()}:${pick(['src/config.ts', 'docs/setup.md'])}:${rule}:${int(1, 300)}`
  })
  return frame(
    `$ gitleaks detect --source . -v\n\n${findings.join('\n\n')}\n\n${pick(['INF', 'WRN'])} leaks found: ${findings.length}`,
    [
      'gitleaks flagged these in CI. Fixture data, how do I allowlist them?',
      'Which of these findings are real and which are test fixtures?',
      'How do I write a .gitleaksignore for these?',
      '¿Cómo ignoro estos falsos positivos?',
    ],
    ['Do I need to rotate the real ones?', 'Can I allowlist by path?']
  )
}

function tVault() {
  const body = `$ vault kv get -format=json secret/${svc()}/${ns()}\n${JSON.stringify(
    {
      request_id: uuid(),
      lease_id: '',
      lease_duration: 0,
      renewable: false,
      data: {
        data: Object.fromEntries(
          sample(
            [
              ['openai_api_key', openaiKey()],
              ['db_password', pw()],
              ['redis_password', pw()],
              ['signing_key', b64(32)],
              ['anthropic_api_key', anthropicKey()],
              ['webhook_secret', stripeWh()],
            ],
            int(2, 4)
          )
        ),
        metadata: { created_time: isoTime(), version: int(1, 30), destroyed: false },
      },
    },
    null,
    2
  )}`
  return frame(
    body,
    [
      'How do I inject these into the pod with the Vault agent?',
      'Which version is the gateway reading?',
      'Write the template stanza for these keys.',
      'Vault-Ausgabe, wie rolle ich auf Version 3 zurück?',
    ],
    ['Can I pin the version in the agent template?', 'How do I rotate just db_password?']
  )
}

function tRegistryCfg() {
  const body = pick([
    () =>
      `{\n  "auths": {\n    "${pick(['ghcr.io', 'registry.gitlab.com', digits(12) + '.dkr.ecr.us-east-1.amazonaws.com', 'index.docker.io/v1/'])}": {\n      "auth": "${Buffer.from(`${pick(['ci', 'deploy-bot', 'AWS'])}:${pick([githubPat, gitlabPat, () => pw(32)])()}`).toString('base64')}"\n    }\n  }\n}`,
    () =>
      `//registry.npmjs.org/:_authToken=${npmToken()}\n@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken=${githubPat()}\nalways-auth=true`,
    () =>
      `[global]\nindex-url = https://${pick(['__token__', 'ci'])}:${pick([() => 'pypi-' + b64url(150), () => pw(32)])()}@${pick(['pypi.acme.dev', 'acme.jfrog.io/artifactory/api/pypi/pypi'])}/simple\ntrusted-host = ${pick(['pypi.acme.dev', 'acme.jfrog.io'])}`,
  ])()
  return frame(
    body,
    [
      'docker pull works on my machine but not in CI, config below:',
      'npm install fails with 401 on the @acme scope:',
      "pip can't reach our private index with this config:",
      'Is it OK to keep this file in the repo?',
    ],
    ['How do I pass this in CI without committing it?', 'Does always-auth still matter?']
  )
}

function tCookieJar() {
  const dom = pick(['gateway.acme.dev', '.acme.dev', 'console.internal'])
  const rows = Array.from(
    { length: int(2, 6) },
    () =>
      `${dom}\t${pick(['TRUE', 'FALSE'])}\t/\tTRUE\t${epoch()}\t${pick(['session', 'csrftoken', '__Host-gw', '_oauth2_proxy', 'XSRF-TOKEN', 'AWSALB'])}\t${pick([() => b64url(int(32, 120)), () => hex(64), jwt])()}`
  )
  return frame(
    `# Netscape HTTP Cookie File\n${rows.join('\n')}`,
    [
      'curl -b cookies.txt still gets redirected to login. Cookie jar:',
      'Which of these is the session cookie?',
      'Convert this cookie jar into a Cookie header.',
    ],
    ['Why is the __Host- one not sent?', 'Are these expired?']
  )
}

function tRedisCli() {
  const lines = Array.from({ length: int(3, 9) }, () => {
    const t = `${epoch()}.${digits(6)} [0 ${ip()}:${int(30000, 65000)}]`
    return pick([
      () => `${t} "GET" "gw:key:${sha256()}"`,
      () =>
        `${t} "SETEX" "gw:cache:${sha256().slice(0, 32)}" "${pick([60, 300, 3600])}" "${b64(int(20, 60))}"`,
      () => `${t} "INCRBY" "rl:${uuid()}:${Math.floor(epoch() / 60)}" "${int(1, 4000)}"`,
      () => `${t} "HGETALL" "tenant:${uuid()}"`,
      () => `${t} "EXPIRE" "sess:${b64url(32)}" "86400"`,
    ])()
  })
  return frame(
    `$ redis-cli -a ${pw()} MONITOR\nOK\n${lines.join('\n')}`,
    [
      "Redis MONITOR during a spike. What's hammering it?",
      'Is the rate limiter key scheme here sensible?',
      'Why so many GETs on the same key?',
      'Redis が重いです。この出力から何が分かりますか？',
    ],
    ['Should the cache TTL be longer?', 'Is MONITOR itself slowing things down?']
  )
}

function tNginx() {
  const body = `upstream openai_upstream {\n    server api.openai.com:443;\n    keepalive ${pick([16, 32, 64])};\n}\n\nserver {\n    listen 443 ssl http2;\n    server_name ${pick(['llm.acme.dev', 'gw.corp.local'])};\n    ssl_certificate     /etc/ssl/${pick(['gw', 'llm'])}.crt;\n    ssl_certificate_key /etc/ssl/${pick(['gw', 'llm'])}.key;\n\n    location /v1/ {\n        proxy_pass https://openai_upstream;\n        proxy_set_header Authorization "Bearer ${openaiKey()}";\n        proxy_set_header Host api.openai.com;\n        proxy_set_header X-Request-Id $request_id;\n        proxy_ssl_server_name on;\n        proxy_buffering ${pick(['off', 'on'])};\n        proxy_read_timeout ${pick([60, 120, 300])}s;\n    }\n}`
  return frame(
    body,
    [
      'Streaming responses arrive all at once through this nginx config, why?',
      'Is hardcoding the key in proxy_set_header a bad idea?',
      'Getting 502 with SSL handshake errors from this config:',
      'Warum kommen die Streams gepuffert an?',
    ],
    ['Do I need proxy_http_version 1.1?', 'How do I load the key from a file instead?']
  )
}

function tSlackPayload() {
  const body = `curl -X POST -H 'Content-type: application/json' \\\n  --data '{"text":"${pick(['Deploy', 'Rollback', 'Key rotation'])} ${shortSha()} ${pick(['finished', 'failed', 'started'])} (${uuid()})","channel":"${pick(['#deploys', '#alerts', '#gateway-ops'])}"}' \\\n  ${slackWebhook()}`
  return frame(
    body,
    [
      'The webhook returns invalid_payload:',
      'Add a block kit section with a button to this message.',
      'Can I override the channel with an incoming webhook?',
    ],
    ['Is the webhook URL itself secret?', 'Why does it say channel_not_found?']
  )
}

function tOneLiner() {
  const [what, val] = pick([
    ['AWS key', awsKeyId],
    ['AWS secret', awsSecret],
    ['OpenAI key', openaiKey],
    ['Anthropic key', anthropicKey],
    ['GitHub token', githubFine],
    ['Slack token', slackBot],
    ['Stripe key', stripeLive],
    ['webhook secret', stripeWh],
    ['Google key', googleKey],
    ['SendGrid key', sendgrid],
    ['UUID', uuid],
    ['hash', sha256],
    ['commit', sha],
    ['request id', reqId],
    ['traceparent', traceparent],
    ['Ethereum address', ethAddr],
    ['Bitcoin address', btcAddr],
    ['license key', licenseKey],
    ['GitLab token', gitlabPat],
    ['Hugging Face token', hfToken],
    ['npm token', npmToken],
  ])
  const v = val()
  return pick([
    () => `what kind of key is ${v}`,
    () => `Is \`${v}\` a ${what}?`,
    () => `${v}`,
    () => `${v} <- which vendor issues tokens that look like this?`,
    () => `Regex to match something like ${v}?`,
    () => `How long is a ${what} normally? Mine is ${v}`,
    () => `Our logs contain ${v}, should we mask it?`,
    () => `¿De qué servicio es esta clave? ${v}`,
    () => `Welches Format hat ${v}?`,
    () => `C'est quoi ce format : ${v} ?`,
    () => `这是什么格式：${v}`,
    () => `${v} の形式は何ですか？`,
  ])()
}

const TEMPLATES = [
  tDotenv,
  tExport,
  tAwsCreds,
  tStsJson,
  tJwt,
  tCurlLlm,
  tReqHeaders,
  tRespHeaders,
  tPemKey,
  tCert,
  tSsh,
  tHashes,
  tUuids,
  tBase64,
  tHexdump,
  tK8sSecret,
  tK8sPods,
  tCompose,
  tTerraform,
  tTfPlan,
  tChatResp,
  tOauthResp,
  tApiKeysList,
  tLogs,
  tPyTrace,
  tNodeTrace,
  tGitDiff,
  tGitLog,
  tSql,
  tMinJs,
  tLockfile,
  tMasked,
  tWallet,
  tLicense,
  tGhActions,
  tGatewayConfig,
  tClientCode,
  tStripeEvent,
  tAzureSettings,
  tSecretScan,
  tVault,
  tRegistryCfg,
  tCookieJar,
  tRedisCli,
  tNginx,
  tSlackPayload,
  tOneLiner,
]

// ---------- main ----------
const norm = (s) => s.trim().toLowerCase()
const seen = new Set()
// Avoid collisions with the other training files in train/data.
const dataDir = dirname(OUT)
for (const f of readdirSync(dataDir)) {
  if (!f.endsWith('.jsonl') || join(dataDir, f) === OUT) continue
  for (const line of readFileSync(join(dataDir, f), 'utf8').split('\n')) {
    if (!line.trim()) continue
    try {
      seen.add(norm(JSON.parse(line).text))
    } catch {
      /* ignore malformed */
    }
  }
}

const out = []
let order = []
while (out.length < COUNT) {
  if (!order.length) order = shuffle(TEMPLATES)
  const text = order.pop()()
  const key = norm(text)
  if (!key || seen.has(key) || text.split('\n').length > 30) continue
  seen.add(key)
  out.push(JSON.stringify({ text, label: 0 }))
}
writeFileSync(OUT, out.join('\n') + '\n')
console.log(`wrote ${out.length} lines to ${OUT}`)
