/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { TEST_DATABASE_URL } from '../helpers/engines.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';
import { startFauxqs, type Fauxqs } from '../emulators/fauxqs/fauxqs.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, signIn } from './browser.ts';

/**
 * Destination management in Chromium, at a desktop and a phone width: the create form of each
 * of the ten types is derived from its config schema (GET /v2/destination-types); a webhook, an
 * SQL (PostgreSQL) and an S3 (fauxqs) destination are created through it for real (connection
 * checks included), then edited (an optional field cleared), disabled and enabled, tested,
 * their secret rotated (shown once) and deleted.
 */
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;
const SCHEMA = `dash_browser_${process.pid}`;

describe('dashboard destinations in chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let receiver: Receiver;
  let fauxqs: Fauxqs;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: scripts/test-deps.sh installs it`).toBe(true);
    t = await startTestApp('sqlite', 'dashboard-destinations');
    receiver = await startReceiver();
    fauxqs = await startFauxqs();
    await fauxqs.createBucket('dash-bucket');
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
    await fauxqs?.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.end();
  });

  const api = async (path: string) =>
    (await (await fetch(`${t.url}${path}`, { headers: t.headers })).json()) as Record<string, any>;

  describe.each([1280, 390])('at %i px', (width) => {
    it('creates every type from its schema, edits, disables, tests, rotates and deletes', async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      page.on('dialog', (dialog) => void dialog.accept());
      const shot = async (name: string) => {
        if (SHOTS) await page.screenshot({ path: join(SHOTS, `destinations-${width}-${name}.png`), fullPage: true });
      };
      await signIn(page, t);
      await page.click('a[href="#/destinations"]');
      await page.click('[data-testid="new-destination"]');
      const form = page.locator('[data-testid="create-destination"]');

      // Each type's form is its config schema: one field per property, required ones required.
      const { types } = await api('/v2/destination-types');
      expect(types).toHaveLength(10);
      for (const type of types) {
        await form.locator('#dest-type').selectOption(type.type);
        await expect
          .poll(() => form.locator('[data-testid="config-fields"]').getAttribute('data-type'))
          .toBe(type.type);
        const names = await form
          .locator('[data-testid="config-fields"] > [data-field]')
          .evaluateAll((els) => els.map((el) => el.getAttribute('data-field')));
        expect(names).toEqual(Object.keys(type.config_schema.properties));
        for (const name of type.config_schema.required ?? []) {
          const control = form.locator(
            `[data-testid="config-fields"] > [data-field="${name}"] > :is(input, select, textarea)`,
          );
          if ((await control.count()) > 0)
            expect(await control.getAttribute('required'), `${type.type}.${name}`).toBe('');
        }
        for (const secret of type.secret_fields) {
          const input = form.locator(`[data-field="${secret}"] > input`);
          if ((await input.count()) > 0) expect(await input.getAttribute('type')).toBe('password');
        }
      }
      await shot('forms');

      // A refused config: the field the API names is marked, with its message.
      await form.locator('#dest-type').selectOption('webhook');
      await form.locator('[data-field="url"] input').fill('ftp://files.example/hook');
      await form.locator('button[type=submit]').click();
      await page.waitForSelector('[data-testid="create-destination"] .alert-bad');
      expect(await form.locator('[data-field="url"] input').getAttribute('aria-invalid')).toBe('true');
      expect(await form.locator('[data-field="url"] .field-error').textContent()).toMatch(/url/i);
      consoleErrors.length = 0; // the browser logs the refused request itself

      // A webhook, for healthchecks only: its generated secret is shown once.
      const hookUrl = `${receiver.url}?w${width}`;
      await form.locator('[data-field="url"] input').fill(hookUrl);
      await form.locator('input[value="healthcheck"]').check();
      await form.locator('button[type=submit]').click();
      const firstSecret = (await (await page.waitForSelector('[data-testid="secret-value"]')).textContent()) ?? '';
      expect(firstSecret.length).toBeGreaterThanOrEqual(16);
      const hookRow = page.locator('tr[data-type="webhook"]', { hasText: `?w${width}` });
      expect(await hookRow.textContent()).toContain('healthcheck');
      await shot('created');

      // SQL into PostgreSQL (its own schema, created by the connection check).
      await page.click('[data-testid="new-destination"]');
      await form.locator('#dest-type').selectOption('sql');
      await form.locator('[data-field="scheme"] select').selectOption('postgres');
      await form.locator('[data-field="host"] input').fill('127.0.0.1');
      await form.locator('[data-field="port"] input').fill(new URL(TEST_DATABASE_URL).port || '5432');
      await form
        .locator('[data-field="database"] input')
        .fill(new URL(TEST_DATABASE_URL).pathname.slice(1) || 'postgres');
      await form.locator('[data-field="username"] input').fill(new URL(TEST_DATABASE_URL).username || 'postgres');
      await form.locator('[data-field="password"] input').fill('not-shown-again');
      await form.locator('[data-field="schema"] input').fill(SCHEMA);
      await form.locator('button[type=submit]').click();
      // The list re-renders after a create (the form goes with it); wait for that before the
      // next click, or the re-render can swallow the next form. The earlier width's SQL row is
      // still listed, so a row alone does not prove this create finished.
      await form.waitFor({ state: 'detached', timeout: 60_000 });
      const sqlRow = page.locator('tr[data-type="sql"]').last();
      await sqlRow.waitFor();
      expect(await sqlRow.textContent()).toContain(SCHEMA);

      // S3 (fauxqs): a boolean and an optional endpoint; no generated secret, so nothing to show once.
      await page.click('[data-testid="new-destination"]');
      await form.locator('#dest-type').selectOption('s3');
      await form.locator('[data-field="bucket"] input').fill('dash-bucket');
      await form.locator('[data-field="region"] input').fill(fauxqs.region);
      await form.locator('[data-field="access_key_id"] input').fill(fauxqs.credentials.accessKeyId);
      await form.locator('[data-field="secret_access_key"] input').fill(fauxqs.credentials.secretAccessKey);
      await form.locator('[data-field="endpoint"] input').fill(fauxqs.endpoint);
      await form.locator('[data-field="force_path_style"] select').selectOption('true');
      await form.locator('[data-field="prefix"] input').fill(`w${width}/`);
      await form.locator('button[type=submit]').click();
      await form.waitFor({ state: 'detached', timeout: 60_000 });
      const s3Row = page.locator('tr[data-type="s3"]', { hasText: `w${width}/` });
      await s3Row.waitFor();
      expect(await page.locator('[data-testid="secret-value"]').count()).toBe(0);
      const listed = (await api('/v2/destinations')).destinations as any[];
      const s3 = listed.find((d) => d.type === 's3' && d.prefix === `w${width}/`);
      expect(s3).toMatchObject({ bucket: 'dash-bucket', force_path_style: true, endpoint: fauxqs.endpoint });
      expect(JSON.stringify(listed)).not.toContain(fauxqs.credentials.secretAccessKey);
      expect(JSON.stringify(listed)).not.toContain('not-shown-again');

      // Edit the webhook: its form is filled with the current config; only changes are sent.
      await hookRow.locator('[data-testid="edit-destination"]').click();
      const edit = page.locator('[data-testid="edit-destination-form"]');
      expect(await edit.locator('[data-field="url"] input').inputValue()).toBe(hookUrl);
      expect(await edit.locator('input[value="healthcheck"]').isChecked()).toBe(true);
      await edit.locator('[data-field="url"] input').fill(`${hookUrl}-edited`);
      await edit.locator('input[value="auth"]').check();
      await edit.locator('button[type=submit]').click();
      const editedRow = page.locator('tr[data-type="webhook"]', { hasText: `?w${width}-edited` });
      await editedRow.waitFor();
      const hookId = await editedRow.getAttribute('data-destination-id');
      expect(await api(`/v2/destinations/${hookId}`)).toMatchObject({
        url: `${hookUrl}-edited`,
        event_types: ['auth', 'healthcheck'],
      });

      // Disable, then enable.
      await editedRow.locator('[data-testid="toggle-destination"]').click();
      await expect.poll(() => editedRow.locator('[data-testid="destination-status"]').textContent()).toBe('disabled');
      expect((await api(`/v2/destinations/${hookId}`)).enabled).toBe(false);
      await editedRow.locator('[data-testid="toggle-destination"]').click();
      await expect.poll(() => editedRow.locator('[data-testid="destination-status"]').textContent()).toBe('active');

      // Test: the healthcheck reaches the edited URL.
      await editedRow.locator('[data-testid="test-destination"]').click();
      await page.waitForSelector('.toast:has-text("Test event queued")');
      await receiver.waitFor((r) =>
        r.some((x) => x.url.includes(`w${width}-edited`) && x.body.includes('"healthcheck"')),
      );

      // Rotate: a new secret, shown once.
      await editedRow.locator('[data-testid="rotate-destination"]').click();
      await expect
        .poll(async () => (await page.locator('[data-testid="secret-value"]').first().textContent()) ?? firstSecret)
        .not.toBe(firstSecret);
      await shot('rotated');

      // Clear an optional field of the S3 destination: its prefix is gone (checked against fauxqs again).
      const s3ById = page.locator(`tr[data-destination-id="${s3.id}"]`);
      await s3ById.locator('[data-testid="edit-destination"]').click();
      expect(await edit.locator('[data-field="prefix"] input').inputValue()).toBe(`w${width}/`);
      await edit.locator('[data-field="prefix"] input').fill('');
      await edit.locator('button[type=submit]').click();
      await page.waitForSelector('.toast:has-text("Destination saved")');
      await expect.poll(async () => Object.keys(await api(`/v2/destinations/${s3.id}`))).not.toContain('prefix');
      expect(await api(`/v2/destinations/${s3.id}`)).toMatchObject({
        bucket: 'dash-bucket',
        endpoint: fauxqs.endpoint,
      });

      // Delete the S3 destination.
      await s3ById.locator('[data-testid="delete-destination"]').click();
      await page.waitForSelector('.toast:has-text("Destination deleted")');
      await expect.poll(() => s3ById.count()).toBe(0);
      expect((await fetch(`${t.url}/v2/destinations/${s3.id}`, { headers: t.headers })).status).toBe(404);

      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await shot('list');
      expect(consoleErrors).toEqual([]);
      await context.close();
    }, 90_000);
  });
});
