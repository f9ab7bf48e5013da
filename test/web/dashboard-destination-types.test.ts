/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startFauxqs, type Fauxqs } from '../emulators/fauxqs/fauxqs.ts';
import { startAzurite, type Azurite } from '../emulators/azurite/azurite.ts';
import { startMockMongo, type MockMongo } from '../emulators/mongodb/mock-mongo.ts';
import { startKafkaMock, type KafkaMock } from '../emulators/kafka-mock/kafka-mock.ts';
import { startGcsEmulator, type GcsEmulator } from '../emulators/gcs/gcs.ts';
import { startStorageStub, type StorageStub } from '../emulators/supabase/storage-stub.ts';
import { TEST_DATABASE_URL } from '../helpers/engines.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, signIn } from './browser.ts';

/**
 * More destination types created for real through the dashboard's schema-derived form (the
 * webhook, SQL on PostgreSQL and S3 are in dashboard-destinations.test.ts): SQS (fauxqs), Azure
 * Blob (Azurite), SQL on MariaDB, MongoDB (a wire-protocol mock), Kafka (librdkafka's mock
 * cluster), GCS (firebase-tools' Storage emulator) and Supabase (PostgreSQL and a Storage stub);
 * Firestore, whose emulator is reached through a process-wide variable, only through the API
 * (test/destinations/firestore.test.ts). Each create runs the type's real connection check against its server; then the
 * row's Test button sends a healthcheck that the delivery machinery records as delivered.
 */
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;
const MYSQL_DATABASE = `dash_types_${process.pid}`;
const SUPABASE_DATABASE = `dash_supabase_${process.pid}`;

async function adminPg(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function adminMysql(sql: string): Promise<void> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

describe('dashboard: more destination types created for real in chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let fauxqs: Fauxqs;
  let azurite: Azurite;
  let mongo: MockMongo;
  let kafka: KafkaMock;
  let gcs: GcsEmulator;
  let supabase: StorageStub;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: scripts/test-deps.sh installs it`).toBe(true);
    // The Kafka mock first, alone: it must answer within its own 10 s, which a machine busy
    // starting the other servers can miss.
    kafka = await startKafkaMock({ brokers: 1 });
    [t, fauxqs, azurite, mongo, gcs, supabase] = await Promise.all([
      startTestApp('sqlite', 'dashboard-destination-types'),
      startFauxqs(),
      startAzurite(),
      startMockMongo(),
      startGcsEmulator(),
      startStorageStub(),
    ]);
    await adminMysql(`CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\``);
    await adminPg(`DROP DATABASE IF EXISTS "${SUPABASE_DATABASE}"`);
    await adminPg(`CREATE DATABASE "${SUPABASE_DATABASE}"`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await Promise.all([
      fauxqs?.close(),
      azurite?.close(),
      mongo?.close(),
      kafka?.close(),
      gcs?.close(),
      supabase?.close(),
    ]);
    await adminMysql(`DROP DATABASE IF EXISTS \`${MYSQL_DATABASE}\``);
    await adminPg(`DROP DATABASE IF EXISTS "${SUPABASE_DATABASE}" WITH (FORCE)`);
  });

  it('creates SQS, Azure Blob, MariaDB, MongoDB, Kafka, GCS and Supabase destinations and tests each', async () => {
    const queueUrl = await fauxqs.createQueue(`dash-${process.pid}`);
    await azurite.createContainer(`dash-${process.pid}`);
    const topic = `dash-${process.pid}`;
    await kafka.createTopic(topic, 1);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await signIn(page, t);
    await page.click('a[href="#/destinations"]');
    const form = page.locator('[data-testid="create-destination"]');
    const field = (name: string): Locator => form.locator(`[data-field="${name}"] > :is(input, select, textarea)`);

    const cases: { type: string; fill: () => Promise<void>; shows: string }[] = [
      {
        type: 'sqs',
        shows: queueUrl,
        fill: async () => {
          await field('queue_url').fill(queueUrl);
          await field('region').fill(fauxqs.region);
          await field('access_key_id').fill(fauxqs.credentials.accessKeyId);
          await field('secret_access_key').fill(fauxqs.credentials.secretAccessKey);
          await field('endpoint').fill(fauxqs.endpoint);
        },
      },
      {
        type: 'azure_blob',
        shows: `dash-${process.pid}`,
        fill: async () => {
          await field('container').fill(`dash-${process.pid}`);
          await field('connection_string').fill(azurite.connectionString());
        },
      },
      {
        type: 'sql',
        shows: MYSQL_DATABASE,
        fill: async () => {
          await field('scheme').selectOption('mysql');
          await field('host').fill('127.0.0.1');
          await field('port').fill('3306');
          await field('database').fill(MYSQL_DATABASE);
          await field('username').fill('root');
        },
      },
      {
        type: 'mongodb',
        shows: 'terra',
        fill: async () => {
          await field('uri').fill(
            `mongodb://127.0.0.1:${mongo.port}/?directConnection=true&serverSelectionTimeoutMS=3000`,
          );
          await field('database').fill('terra');
        },
      },
      {
        type: 'kafka',
        shows: topic,
        fill: async () => {
          await field('brokers').fill(kafka.bootstrap);
          await field('topic').fill(topic);
        },
      },
      {
        type: 'gcs',
        shows: `dash-${process.pid}`,
        fill: async () => {
          await field('bucket').fill(`dash-${process.pid}`);
          await field('api_endpoint').fill(gcs.apiEndpoint);
        },
      },
      {
        type: 'supabase',
        shows: supabase.url,
        fill: async () => {
          await field('url').fill(supabase.url);
          await field('service_role_key').fill(supabase.key);
          const pgPort = new URL(TEST_DATABASE_URL).port || '5432';
          await field('database_url').fill(`postgres://postgres@127.0.0.1:${pgPort}/${SUPABASE_DATABASE}`);
        },
      },
    ];

    for (const { type, fill, shows } of cases) {
      await page.click('[data-testid="new-destination"]');
      await form.locator('#dest-type').selectOption(type);
      await expect.poll(() => form.locator('[data-testid="config-fields"]').getAttribute('data-type')).toBe(type);
      await fill();
      await form.locator('button[type=submit]').click();
      // The connection check ran against the real server: the destination is listed.
      const row = page.locator(`tr[data-type="${type}"]`);
      await row.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
        throw new Error(`${type}: ${error.message}\n${await form.textContent()}`);
      });
      expect(await row.textContent(), type).toContain(shows);
      const id = (await row.getAttribute('data-destination-id'))!;
      await row.locator('[data-testid="test-destination"]').click();
      await page.waitForSelector('.toast:has-text("Test event queued")');
      await eventually(
        async () => {
          const answer = (await (
            await fetch(`${t.url}/v2/deliveries?destination_id=${id}`, { headers: t.headers })
          ).json()) as { deliveries: any[] };
          return answer.deliveries.some((d) => d.event_type === 'healthcheck' && d.status === 'delivered');
        },
        30_000,
        `${type}: the healthcheck delivered`,
      );
    }
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'destination-types.png'), fullPage: true });
    // What reached a server: the healthcheck is a message on the topic.
    expect(await kafka.messageCount(topic)).toBeGreaterThanOrEqual(1);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 240_000);
});
