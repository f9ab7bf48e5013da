/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver } from '../delivery/receiver.ts';
import { seedRunner } from './seed.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, signIn } from './browser.ts';

/**
 * Deliveries, events and users management in Chromium, at a desktop and a phone width, each on
 * a fresh server: deliveries filtered by destination, user, event type and status, their
 * responses, real trace id and request payload, a pending one retried now; events with their
 * payloads; users searched, filtered, paged, deauthorized, an upload link; the user page's
 * recent events; pending users counted apart per provider.
 */
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;

describe('dashboard deliveries, events and users in chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: scripts/test-deps.sh installs it`).toBe(true);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.each([1280, 390])('at %i px', (width) => {
    it('filters deliveries, shows payloads and responses, retries a pending one; events; users', async () => {
      let failing = true;
      const flaky = await startReceiver((request) =>
        failing && !request.body.includes('"healthcheck"') ? { status: 500 } : { status: 200 },
      );
      const steady = await startReceiver();
      // Ten minutes between tries: a failed attempt leaves the delivery pending, for "Retry now".
      const t = await startTestApp('sqlite', `dashboard-manage-${width}`, {
        TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '600,600',
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
        const flakyDest = await api('POST', '/v2/destinations', { type: 'webhook', url: `${flaky.url}?flaky` });
        const steadyDest = await api('POST', '/v2/destinations', { type: 'webhook', url: `${steady.url}?steady` });
        const alice = await seedRunner(t, 'alice-runner');
        const bob = await seedRunner(t, 'bob-cyclist', 'IFIT');
        await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'erin-pending' });
        const uploader = await t.app.store.users.create(t.devId, {
          provider: 'UPLOAD',
          referenceId: 'uma-upload',
          state: 'connected',
        });
        // Enough users for a second page of 25.
        for (let i = 0; i < 22; i++)
          await t.app.store.users.create(t.devId, {
            provider: 'GARMIN',
            referenceId: `filler-${String(i).padStart(2, '0')}`,
            state: 'connected',
          });
        // Alice's and Bob's activities: delivered to the steady hook, pending (one failed try) at the flaky one.
        const settled = await eventually(
          async () => {
            const answer = await api('GET', `/v2/deliveries?destination_id=${flakyDest.id}`);
            return answer.deliveries.length === 2 && answer.deliveries.every((d: any) => d.attempts >= 1)
              ? (answer.deliveries as any[])
              : undefined;
          },
          30_000,
          'two tried deliveries to the flaky hook',
        );
        expect(settled.map((d) => d.status)).toEqual(['pending', 'pending']);

        const page = await context.newPage();
        const consoleErrors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(error.message));
        page.on('dialog', (dialog) => void dialog.accept());
        const shot = async (name: string) => {
          if (SHOTS) await page.screenshot({ path: join(SHOTS, `manage-${width}-${name}.png`), fullPage: true });
        };
        // Nothing wider than the window (tables scroll inside their own box); names the widest offender.
        const noSideScroll = async () => {
          const [scrollWidth, offender] = await page.evaluate(() => {
            // The innermost element sticking out, outside boxes that scroll themselves.
            const wide = [...document.querySelectorAll('body *')]
              .filter((el) => !el.closest('.table-wrap, pre'))
              .map((el) => [el.getBoundingClientRect().right, el] as const)
              .filter(
                ([right, el]) =>
                  right > window.innerWidth &&
                  ![...el.children].some((c) => c.getBoundingClientRect().right > window.innerWidth),
              )
              .sort((a, b) => b[0] - a[0])[0];
            return [
              document.documentElement.scrollWidth,
              wide ? `${wide[1].tagName}.${wide[1].className} (${Math.round(wide[0])} px)` : '',
            ] as const;
          });
          expect(scrollWidth, offender).toBeLessThanOrEqual(width);
        };
        await signIn(page, t);

        // Overview: pending users are counted apart per provider.
        expect(await page.textContent('[data-testid="users-by-provider"] li[data-provider="IFIT"]')).toContain(
          '1 connected · 1 pending',
        );

        // Deliveries: by destination, by user, by event type.
        await page.click('a[href="#/deliveries"]');
        await page.waitForSelector('tr[data-delivery-id]');
        expect(await page.locator('tr[data-delivery-id]').count()).toBe(4);
        await page.selectOption('#deliveries-destination', flakyDest.id);
        await page.click('[data-testid="deliveries-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-delivery-id]').count()).toBe(2);
        await page.fill('#deliveries-user', alice.userId);
        await page.click('[data-testid="deliveries-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-delivery-id]').count()).toBe(1);
        await page.selectOption('#deliveries-event-type', 'auth');
        await page.click('[data-testid="deliveries-filter"] button[type=submit]');
        await page.waitForSelector('.empty:has-text("No delivery matches")');
        await page.selectOption('#deliveries-event-type', 'activity');
        await page.click('[data-testid="deliveries-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-delivery-id]').count()).toBe(1);
        // Status tabs keep the other filters.
        await page.click('a.tab:has-text("Delivered")');
        await page.waitForSelector('.empty:has-text("No delivery matches")');
        await page.click('a.tab:has-text("Pending")');
        const row = page.locator('tr[data-delivery-id]').first();
        await row.waitFor();
        const deliveryId = (await row.getAttribute('data-delivery-id'))!;
        const stored = await api('GET', `/v2/deliveries/${deliveryId}`);
        expect(stored).toMatchObject({ status: 'pending', destination_id: flakyDest.id });

        // Its details: the response of each attempt, the real trace id, the request payload.
        await row.locator('[data-testid="delivery-details"]').click();
        await page.waitForSelector('[data-testid="request-payload"]');
        expect(await page.textContent('[data-testid="attempt-response"]')).toBe('HTTP 500');
        expect(await page.textContent('[data-testid="trace-id"]')).toBe(stored.trace_id);
        const sent = flaky.received.find((r) => r.headers['x-terra-trace-id'] === stored.trace_id)!;
        expect(JSON.parse((await page.textContent('[data-testid="request-payload"]'))!)).toEqual(JSON.parse(sent.body));
        expect(await page.textContent('[data-testid="request-payload"]')).toContain('run-alice-runner-0');
        await noSideScroll();
        await shot('delivery-detail');

        // Retry the pending one now (its next try is ten minutes away): the fixed endpoint takes it.
        failing = false;
        await row.locator('[data-testid="retry-now"]').click();
        await expect
          .poll(() => page.locator(`tr[data-delivery-id="${deliveryId}"] [data-testid="status"]`).textContent(), {
            timeout: 20_000,
          })
          .toBe('delivered');
        expect((await api('GET', `/v2/deliveries/${deliveryId}`)).status).toBe('delivered');

        // Events: filtered by user and type, each with its payload.
        await page.click('a[href="#/events"]');
        await page.waitForSelector('[data-testid="events-filter"]');
        await page.fill('#events-user', bob.userId);
        await page.selectOption('#events-type', 'activity');
        await page.click('[data-testid="events-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-event-id]').count()).toBe(1);
        await page.locator('[data-testid="event-payload-toggle"]').click();
        await page.waitForSelector('[data-testid="event-payload"]');
        const payload = JSON.parse((await page.textContent('[data-testid="event-payload"]'))!);
        expect(payload).toMatchObject({ type: 'activity', user: { user_id: bob.userId } });
        await noSideScroll();
        await shot('events');

        // Users: 26 on two pages; search; provider and state filters; upload link; deauth.
        await page.click('a[href="#/users"]');
        await page.waitForSelector('tr[data-user-id]');
        expect(await page.locator('tr[data-user-id]').count()).toBe(25);
        await page.click('.pager a[rel="next"]');
        await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
        expect(await page.textContent('.pager')).toContain('Page 2 of 2');
        await page.selectOption('#users-state', 'pending');
        await page.click('[data-testid="users-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
        expect(await page.textContent('tr[data-user-id] [data-testid="user-state"]')).toBe('pending');
        await page.selectOption('#users-state', '');
        await page.selectOption('#users-provider', 'UPLOAD');
        await page.click('[data-testid="users-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
        await page.click('[data-testid="upload-link-button"]');
        const uploadLink = await page.getAttribute('[data-testid="upload-link"]', 'href');
        expect(uploadLink).toContain(t.url);
        expect((await fetch(uploadLink!)).status).toBe(200);
        await page.selectOption('#users-provider', '');
        await page.fill('#users-query', bob.userId);
        await page.click('[data-testid="users-filter"] button[type=submit]');
        await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
        expect(await page.textContent('tr[data-user-id]')).toContain('bob-cyclist');
        await noSideScroll();
        await shot('users');
        await page.click('[data-testid="deauth-user"]');
        await page.waitForSelector('.toast:has-text("User deauthorized")');
        await expect
          .poll(async () =>
            ((await api('GET', '/v2/connections/health?per_page=100')).connections as any[]).some(
              (c) => c.user_id === bob.userId && c.active,
            ),
          )
          .toBe(false);

        // The user page lists the user's recent events again, newest first.
        await page.goto(`${t.url}/dashboard#/users/${encodeURIComponent(alice.userId)}`);
        await page.waitForSelector('[data-testid="user-events"] tr[data-event-id]');
        expect(await page.locator('[data-testid="user-events"] tr[data-event-id]').count()).toBeGreaterThanOrEqual(1);
        expect(await page.textContent('[data-testid="user-events"]')).toContain('activity');
        await noSideScroll();
        await shot('user-events');

        expect(uploader.provider).toBe('UPLOAD');
        expect(steadyDest.id).toBeTruthy();
        // The browser logs nothing but what the test caused.
        expect(consoleErrors).toEqual([]);
      } finally {
        await context.close();
        await t.close();
        await flaky.close();
        await steady.close();
      }
    }, 120_000);
  });
});
