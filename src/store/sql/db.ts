/**
 * The thin driver seam under the SQL store. Both engines run the same SQL text: written
 * with `?` placeholders, the PostgreSQL driver rewrites them to `$n`. The shared dialect
 * is the common subset of SQLite ≥ 3.35 and PostgreSQL ≥ 12 (ON CONFLICT, RETURNING).
 * JSON lives in TEXT columns, booleans in INTEGER 0/1, instants as ISO-8601 UTC text
 * plus epoch-millisecond BIGINTs where ranges are queried.
 */
export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly dialect: Dialect;
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  run(sql: string, params?: readonly unknown[]): Promise<{ changes: number }>;
  /** Runs `fn` in one transaction; nested calls join the outer transaction. */
  transaction<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** The connection pool's use, where the engine has one (PostgreSQL). */
  poolUse?(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

export interface Migration {
  /** Monotonic id; files are named `NNNN-what.ts`. */
  id: number;
  name: string;
  /** SQL per dialect; `common` runs on both when a dialect-specific text is absent. */
  common?: string;
  sqlite?: string;
  postgres?: string;
}

/** Applies pending migrations in id order, each in its own transaction. */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<number[]> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (await db.all<{ id: number }>('SELECT id FROM schema_migrations')).map((row) => Number(row.id)),
  );
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    if (applied.has(migration.id)) continue;
    const sql = migration[db.dialect] ?? migration.common;
    if (sql === undefined) throw new Error(`migration ${migration.id} has no SQL for ${db.dialect}`);
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(sql)) await tx.run(statement);
      // Another process may have applied it meanwhile (two servers starting at once): ignore that.
      await tx.run(
        'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
        [migration.id, migration.name, new Date().toISOString()],
      );
    });
    done.push(migration.id);
  }
  return done;
}

function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
