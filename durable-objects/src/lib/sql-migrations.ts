/**
 * Forward-only schema migrations for SQLite-backed Durable Objects. Each DO class lists its
 * migrations in order; the applied count lives in the object itself, so every instance upgrades
 * itself lazily the first time it wakes after a deploy.
 */
export type Migration = readonly string[]

/** Applies the migrations this storage has not seen yet; returns how many ran. */
export function applyMigrations(sql: SqlStorage, migrations: readonly Migration[]): number {
  sql.exec('CREATE TABLE IF NOT EXISTS _schema (version INTEGER NOT NULL)')
  const row = sql.exec<{ version: number }>('SELECT version FROM _schema LIMIT 1').toArray()[0]
  const current = row?.version ?? 0
  if (row === undefined) sql.exec('INSERT INTO _schema (version) VALUES (0)')
  for (let v = current; v < migrations.length; v++) {
    for (const statement of migrations[v] ?? []) sql.exec(statement)
    sql.exec('UPDATE _schema SET version = ?', v + 1)
  }
  return migrations.length - current
}
