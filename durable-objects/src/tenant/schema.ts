import type { Migration } from '../lib/sql-migrations'
import { ADMIN_LOG_MIGRATION } from './admin-log'

/** The tenant object's tables, oldest migration first (never edit a published one). */
export const TENANT_MIGRATIONS: readonly Migration[] = [
  [
    `CREATE TABLE tenant (
       id TEXT PRIMARY KEY,
       slug TEXT NOT NULL,
       name TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    // Superseded by `members` (accounts moved to the directory); kept for old local states.
    `CREATE TABLE users (
       id TEXT PRIMARY KEY,
       email TEXT NOT NULL UNIQUE,
       password_hash TEXT NOT NULL,
       role TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `CREATE TABLE api_keys (
       id TEXT PRIMARY KEY,
       name TEXT NOT NULL,
       environment TEXT NOT NULL,
       prefix TEXT NOT NULL,
       hash TEXT NOT NULL UNIQUE,
       status TEXT NOT NULL,
       created_at TEXT NOT NULL,
       revoked_at TEXT
     )`,
  ],
  [
    // Rate limits as JSON (RateLimits); NULL means the defaults. Superseded by policies.
    'ALTER TABLE tenant ADD COLUMN limits TEXT',
    'ALTER TABLE api_keys ADD COLUMN limits TEXT',
  ],
  // The key's budget as JSON (BudgetLimits); NULL means none. Superseded by policies.
  ['ALTER TABLE api_keys ADD COLUMN budget TEXT'],
  // The tenant's budget across its keys, the same way. Superseded by policies.
  ['ALTER TABLE tenant ADD COLUMN budget TEXT'],
  // The audit trail's privacy mode for content (PrivacyMode); NULL means full. Superseded.
  ['ALTER TABLE tenant ADD COLUMN privacy TEXT'],
  // Bring-your-own provider keys, sealed (lib/envelope.ts): never stored in clear.
  [
    `CREATE TABLE provider_credentials (
       name TEXT PRIMARY KEY,
       provider TEXT NOT NULL,
       sealed TEXT NOT NULL,
       hint TEXT NOT NULL,
       created_at TEXT NOT NULL,
       updated_at TEXT NOT NULL
     )`,
  ],
  [
    // Members by directory user id; accounts and passwords live in the directory.
    `CREATE TABLE members (
       user_id TEXT PRIMARY KEY,
       email TEXT NOT NULL,
       role TEXT NOT NULL,
       created_at TEXT NOT NULL
     )`,
    `INSERT INTO members (user_id, email, role, created_at)
       SELECT id, email, role, created_at FROM users`,
    `CREATE TABLE invites (
       id TEXT PRIMARY KEY,
       email TEXT NOT NULL,
       role TEXT NOT NULL,
       token_hash TEXT NOT NULL UNIQUE,
       invited_by TEXT NOT NULL,
       created_at TEXT NOT NULL,
       expires_at INTEGER NOT NULL,
       accepted_at TEXT,
       revoked_at TEXT
     )`,
    // One row per version of each layer; the highest version is the one in force.
    `CREATE TABLE policy_versions (
       scope TEXT NOT NULL,
       version INTEGER NOT NULL,
       document TEXT NOT NULL,
       author TEXT NOT NULL,
       created_at TEXT NOT NULL,
       PRIMARY KEY (scope, version)
     )`,
    'ALTER TABLE api_keys ADD COLUMN expires_at INTEGER',
    'ALTER TABLE api_keys ADD COLUMN ip_allowlist TEXT',
    'ALTER TABLE api_keys ADD COLUMN endpoints TEXT',
    'ALTER TABLE api_keys ADD COLUMN rotated_to TEXT',
    ...ADMIN_LOG_MIGRATION,
  ],
  // Keys whose snapshot could not be published (cache unreachable): the alarm retries them.
  [
    `CREATE TABLE unpublished (
       key_id TEXT PRIMARY KEY,
       attempts INTEGER NOT NULL DEFAULT 0
     )`,
  ],
  // Violation counts pushed by the tenant's analytics service (its evidence stays on premises).
  [
    `CREATE TABLE violation_counts (
       day TEXT NOT NULL,
       detector TEXT NOT NULL,
       severity TEXT NOT NULL,
       count INTEGER NOT NULL DEFAULT 0,
       PRIMARY KEY (day, detector, severity)
     )`,
    'ALTER TABLE api_keys ADD COLUMN quarantined_at TEXT',
    'CREATE TABLE summaries_seen (id TEXT PRIMARY KEY, at TEXT NOT NULL)',
  ],
]
