import { join } from 'node:path';
import { createTributary, type Tributary } from '../../src/app.ts';
import type { Db } from '../../src/store/index.ts';
import { loadConfig } from '../../src/core/config.ts';
import { ATTEMPT_BUDGET_MS } from './budget.ts';
import { createLogger } from '../../src/core/logger.ts';
import {
  dropSchema,
  isolatedSchema,
  markEngineUsed,
  rawConnection,
  TEST_DATABASE_URL,
  TEST_KEY,
  tempDir,
  type Engine,
} from './engines.ts';

export interface TestApp {
  app: Tributary;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  devId: string;
  apiKey: string;
  /** Headers that authenticate as the seeded developer. */
  headers: Record<string, string>;
  /** Creates another developer (for tenancy tests). */
  otherDeveloper(): Promise<{ devId: string; apiKey: string; headers: Record<string, string> }>;
  /** A second connection to the app's database, for tests that look at what is stored at rest. */
  sql(): Promise<Db>;
  close(): Promise<void>;
}

/**
 * Starts a real server on an ephemeral port over the chosen engine, with one developer
 * seeded. `env` adds TRIBUTARY_* variables (e.g. provider base URLs pointing at emulators).
 */
export async function startTestApp(engine: Engine, name: string, env: Record<string, string> = {}): Promise<TestApp> {
  markEngineUsed(engine);
  const schema = engine === 'postgres' ? isolatedSchema(name) : undefined;
  const config = loadConfig({
    TRIBUTARY_PORT: '0',
    TRIBUTARY_DATA_DIR: tempDir(),
    TRIBUTARY_ENCRYPTION_KEY: TEST_KEY,
    TRIBUTARY_LOG_LEVEL: process.env.TRIBUTARY_TEST_LOG_LEVEL ?? 'silent',
    // Test receivers and emulators listen on 127.0.0.1 (the SSRF guard's own tests set false).
    ...(env.TRIBUTARY_WEBHOOK_ALLOW_PRIVATE === undefined ? { TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'true' } : {}),
    ...(engine === 'postgres' ? { TRIBUTARY_DATABASE_URL: TEST_DATABASE_URL } : {}),
    // Not the 8 s default: a slow machine must not turn one attempt into a timeout and a retry.
    TRIBUTARY_WEBHOOK_TIMEOUT_MS: String(ATTEMPT_BUDGET_MS),
    ...env,
  });
  const app = await createTributary(config, { schema, logger: createLogger(config.logLevel) });
  const url = await app.listen();
  // Links handed to browsers must point at the real port.
  (app.config as { publicUrl: string }).publicUrl = env.TRIBUTARY_PUBLIC_URL ?? url;
  const { developer, apiKey } = await app.store.developers.create({ name: 'test developer' });
  const raw = rawConnection({ schema, sqliteFile: join(config.dataDir, 'tributary.db') });
  const headersFor = (devId: string, key: string) => ({ 'dev-id': devId, 'x-api-key': key });
  return {
    app,
    url,
    devId: developer.devId,
    apiKey,
    headers: headersFor(developer.devId, apiKey),
    async otherDeveloper() {
      const other = await app.store.developers.create({ name: 'other developer' });
      return {
        devId: other.developer.devId,
        apiKey: other.apiKey,
        headers: headersFor(other.developer.devId, other.apiKey),
      };
    },
    sql: raw.sql,
    async close() {
      await raw.close();
      await app.close();
      if (schema) await dropSchema(schema);
    },
  };
}
