/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver } from '../delivery/receiver.ts';
import { seedDays, seedExplorer, seedRunner } from './seed.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, expectAccessible, expectNoSideScroll, signIn } from './browser.ts';

/**
 * Every dashboard view at a desktop and a phone width, each checked with axe-core (no serious
 * or critical violation) and for sideways overflow: the sign-in form, the overview, users (a
 * widget link made), the data explorer's six tabs over any range with a record's detail each,
 * destinations with their forms, deliveries (one redelivered) and events with details open, API
 * keys (create, rotate, revoke), AI agents (revoke a grant) and integrations.
 */
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;

describe('every dashboard view in chromium: accessible, no sideways scroll', () => {
  let browser: Browser;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: scripts/test-deps.sh installs it`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each([1280, 390])('at %i px', (width) => {
    it('passes axe on every view and runs the keys and agents actions', async () => {
      const receiver = await startReceiver((request) =>
        request.body.includes('"healthcheck"') ? { status: 200 } : { status: 500 },
      );
      const t = await startTestApp('sqlite', `dashboard-views-${width}`, {
        TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.1',
      });
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      try {
        const api = async (method: string, path: string, body?: unknown) =>
          (await (
            await fetch(`${t.url}${path}`, {
              method,
              headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
              body: body === undefined ? undefined : JSON.stringify(body),
            })
          ).json()) as Record<string, any>;
        await api('POST', '/v2/destinations', { type: 'webhook', url: receiver.url });
        const alice = await seedRunner(t, 'alice-runner');
        await seedExplorer(t, alice);
        await seedDays(t, alice);
        await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'erin-pending' });
        const grant = await api('POST', '/v2/mcp/grants', {
          user_id: alice.userId,
          data_types: ['activity', 'sleep'],
          end_date: new Date().toISOString().slice(0, 10),
        });
        expect(grant.id).toBeTruthy();
        await eventually(
          async () => (await api('GET', '/v2/deliveries?status=failed')).deliveries.length >= 1,
          30_000,
          'a failed delivery',
        );

        const page = await context.newPage();
        const consoleErrors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(error.message));
        page.on('dialog', (dialog) => void dialog.accept());
        const check = async (name: string) => {
          await expectNoSideScroll(page, name);
          await expectAccessible(page, name);
          if (SHOTS) await page.screenshot({ path: join(SHOTS, `views-${width}-${name}.png`), fullPage: true });
        };
        const open = async (hash: string, ready: string) => {
          await page.goto(`${t.url}/dashboard#/${hash}`);
          await page.waitForSelector(ready);
        };

        await page.goto(`${t.url}/dashboard`);
        await page.waitForSelector('#dev-id');
        await check('sign-in');
        await signIn(page, t);
        await page.waitForSelector('[data-testid="failed-deliveries"]');
        await check('overview');

        await open('users', 'tr[data-user-id]');
        // Connect a user: a widget session, opened in a new tab, its link shown.
        await page.click('[data-testid="connect-user"]');
        await page.fill('#widget-reference', `new-${width}`);
        const [widget] = await Promise.all([
          context.waitForEvent('page'),
          page.click('.connect-panel button[type=submit]'),
        ]);
        await page.waitForSelector('[data-testid="widget-link"]');
        await expect.poll(() => widget.url()).toContain('/widget/');
        await widget.close();
        await check('users');

        // The explorer: each data type over all time lists the record of 400 days ago too, draws
        // its trends, and opens a record's detail beside its raw payload.
        const explorer = (type: string, extra = '') =>
          `users/${encodeURIComponent(alice.userId)}?type=${type}&start=1970-01-01&end=${new Date().toISOString().slice(0, 10)}${extra}`;
        await open(explorer('activity', '&record=ride-two-years-ago'), '[data-testid="route-map"]');
        await page.waitForSelector('[data-testid="plot-heart-rate"] .uplot canvas');
        await check('explorer-activity');
        await open(explorer('sleep', '&record=night-1'), '[data-testid="hypnogram"] .uplot canvas');
        await check('explorer-sleep');
        const old = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
        for (const [type, trend] of [
          ['daily', 'steps-per-day'],
          ['body', 'weight'],
          ['nutrition', 'calories-eaten'],
          ['menstruation', 'day-in-cycle'],
        ] as const) {
          await open(explorer(type, `&record=${old}`), '.records-table');
          expect(await page.locator('.records-table tbody tr').count(), type).toBe(4);
          await page.waitForSelector(`[data-testid="plot-${trend}"] .uplot canvas`);
          expect(await page.getAttribute(`[data-testid="plot-${trend}"]`, 'data-points')).toBe('4');
          await page.waitForSelector('[data-testid="normalized-json"]');
          expect(await page.textContent('[data-testid="normalized-json"]')).toContain(old);
          if (type === 'daily') {
            expect(await page.getAttribute('[data-testid="plot-heart-rate"]', 'data-points')).toBe('24');
            expect(await page.getAttribute('[data-testid="plot-steps"]', 'data-points')).toBe('24');
          }
          if (type === 'body')
            expect(await page.getAttribute('[data-testid="plot-blood-glucose"]', 'data-points')).toBe('3');
          await check(`explorer-${type}`);
        }
        // A range that stops short of 400 days ago leaves that day out.
        await open(
          `users/${encodeURIComponent(alice.userId)}?type=daily&start=${new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10)}&end=${new Date().toISOString().slice(0, 10)}`,
          '.records-table',
        );
        expect(await page.locator('.records-table tbody tr').count()).toBe(3);

        await open('destinations', 'tr[data-type="webhook"]');
        await page.click('[data-testid="new-destination"]');
        await page.waitForSelector('[data-testid="create-destination"]');
        await check('destinations-new');
        await page.locator('tr[data-type="webhook"] [data-testid="edit-destination"]').click();
        await page.waitForSelector('[data-testid="edit-destination-form"]');
        await check('destinations-edit');

        await open('deliveries?status=failed', 'tr[data-delivery-id]');
        await page.locator('[data-testid="delivery-details"]').first().click();
        await page.waitForSelector('[data-testid="request-payload"]');
        await check('deliveries');
        // Redeliver a failed one: sent again (the endpoint still refuses: one more attempt).
        const failed = page.locator('tr[data-delivery-id]').first();
        const failedId = (await failed.getAttribute('data-delivery-id'))!;
        const attempts = (await api('GET', `/v2/deliveries/${failedId}`)).attempts as number;
        await failed.locator('[data-testid="redeliver"]').click();
        await page.waitForSelector('.toast:has-text("Redelivery queued")');
        await expect
          .poll(async () => (await api('GET', `/v2/deliveries/${failedId}`)).attempts, { timeout: 30_000 })
          .toBeGreaterThan(attempts);

        await open('events?days=30', 'tr[data-event-id]');
        await page.locator('[data-testid="event-payload-toggle"]').first().click();
        await page.waitForSelector('[data-testid="event-payload"]');
        await check('events');

        // API keys: create (shown once), rotate (a new secret, the old one refused), revoke.
        await open('keys', '[data-testid="create-key"]');
        await page.fill('#key-name', `phone ${width}`);
        await page.click('[data-testid="create-key"] button[type=submit]');
        const created = (await (await page.waitForSelector('[data-testid="secret-value"]')).textContent()) ?? '';
        await check('keys-created');
        const row = page.locator('tr', { hasText: `phone ${width}` });
        await row.locator('[data-testid="rotate-key"]').click();
        await expect
          .poll(async () => (await page.locator('[data-testid="secret-value"]').textContent()) ?? created)
          .not.toBe(created);
        const rotated = (await page.textContent('[data-testid="secret-value"]'))!;
        const call = (key: string) =>
          fetch(`${t.url}/v2/subscriptions`, { headers: { 'dev-id': t.devId, 'x-api-key': key } });
        expect((await call(created)).status).toBe(401);
        expect((await call(rotated)).status).toBe(200);
        await check('keys-rotated');
        await row.locator('[data-testid="revoke-key"]').click();
        await page.waitForSelector('.toast:has-text("revoked")');
        await expect.poll(() => page.locator('tr', { hasText: `phone ${width}` }).count()).toBe(0);
        expect((await call(rotated)).status).toBe(401);

        // AI agents: the grant is listed and revoked.
        await open('agents', `tr[data-grant-id="${grant.id}"]`);
        await check('agents');
        await page.click(`tr[data-grant-id="${grant.id}"] [data-testid="revoke-grant"]`);
        await page.waitForSelector(`tr[data-grant-id="${grant.id}"] .pill:has-text("revoked")`);
        expect((await t.app.store.mcpGrants.get(t.devId, grant.id))?.status).toBe('revoked');
        await check('agents-revoked');

        await open('integrations', '.integration, .empty');
        await check('integrations');

        expect(consoleErrors).toEqual([]);
      } finally {
        await context.close();
        await t.close();
        await receiver.close();
      }
    }, 300_000);
  });
});
