/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';
import { IFIT_LOGIN, ifitEnv, startEmulator } from '../ifit/helpers.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, expectAccessible, expectNoSideScroll, signIn } from './browser.ts';

/**
 * The hosted pages an end user sees, driven in Chromium at a desktop and a phone width with
 * their own CSP on, each checked with axe-core: the widget (choose iFit), iFit's login form
 * (a wrong password, then the right one, against the iFit emulator), the success page; the
 * cancel confirmation and the failure page; the upload page importing a GPX file. The
 * dashboard, open in another tab, shows the widget's new user (users view) and the cancelled
 * connection's auth event (events view) without a reload.
 */
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;
const GPX = fileURLToPath(new URL('../fixtures/files/gpx/gpxpy/track_with_speed.gpx', import.meta.url));

describe('hosted pages in chromium', () => {
  let browser: Browser;
  let emulator: IfitEmulator;
  let t: TestApp;
  beforeAll(async () => {
    expect(existsSync(CHROMIUM_PATH), `${CHROMIUM_PATH} is missing: scripts/test-deps.sh installs it`).toBe(true);
    ({ emulator } = await startEmulator());
    t = await startTestApp('sqlite', 'hosted-pages', ifitEnv(emulator));
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await emulator?.close();
  });

  const api = async (method: string, path: string, body?: unknown) =>
    (await (
      await fetch(`${t.url}${path}`, {
        method,
        headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    ).json()) as Record<string, any>;

  describe.each([1280, 390])('at %i px', (width) => {
    it('widget → login → success; cancel → failure; upload; the dashboard updates live', async () => {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
        });
        page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
        return page;
      };
      const check = async (page: Page, name: string) => {
        await expectNoSideScroll(page, name);
        await expectAccessible(page, name);
        if (SHOTS) await page.screenshot({ path: join(SHOTS, `hosted-${width}-${name}.png`), fullPage: true });
      };
      try {
        // The developer watches the users view in one tab.
        const dashboard = watch(await context.newPage());
        await signIn(dashboard, t);
        await dashboard.click('a[href="#/users"]');
        await dashboard.waitForSelector('.users-table, .empty');
        // The end user opens a widget link, picks iFit and signs in there.
        const reference = `widget-user-${width}`;
        const session = await api('POST', '/v2/auth/generateWidgetSession', {
          reference_id: reference,
          providers: 'IFIT,UPLOAD',
        });
        const user = watch(await context.newPage());
        await user.goto(session.url);
        await user.waitForSelector('h1:has-text("Connect a data source")');
        expect(await user.locator('main li button, li button').count()).toBe(2);
        await check(user, 'widget');
        await user.click('button:has-text("iFit")');
        await user.waitForSelector('#username');
        await check(user, 'login');
        await user.fill('#username', IFIT_LOGIN.username);
        await user.fill('#password', 'not-the-password');
        await user.click('button[type=submit]');
        await user.waitForSelector('.error[role=alert]');
        // The refused login keeps the e-mail, not the password.
        expect(await user.inputValue('#username')).toBe(IFIT_LOGIN.username);
        expect(await user.inputValue('#password')).toBe('');
        await check(user, 'login-error');
        // The browser logs the refused login (HTTP 401) itself; anything after this is a real error.
        errors.length = 0;
        await user.fill('#password', IFIT_LOGIN.password);
        await user.click('button[type=submit]');
        await user.waitForSelector('h1:has-text("Connected")');
        expect(new URL(user.url()).pathname).toBe('/auth/success');
        expect(new URL(user.url()).searchParams.get('reference_id')).toBe(reference);
        expect(await user.textContent('main, body')).toContain('iFit is connected');
        await check(user, 'success');

        // Live: the users view lists the new connection without a reload.
        await expect
          .poll(() => dashboard.locator('tr[data-user-id]', { hasText: reference }).count(), { timeout: 30_000 })
          .toBe(1);
        // The same tab on the auth events: the cancelled connection below shows up live.
        await dashboard.goto(`${t.url}/dashboard#/events?type=auth`);
        await dashboard.waitForSelector('[data-testid="events-filter"]');
        const authEvents = () => dashboard.locator('tr[data-event-id]').count();
        await expect.poll(authEvents).toBeGreaterThanOrEqual(1);
        const authBefore = await authEvents();

        // Cancelling a login: a confirmation first, then the failure page.
        const cancelled = await api('POST', '/v2/auth/authenticateUser?resource=IFIT', {
          reference_id: `cancel-${width}`,
        });
        await user.goto(cancelled.auth_url);
        await user.click('a:has-text("Cancel")');
        await user.waitForSelector('h1:has-text("Cancel connecting?")');
        await check(user, 'cancel');
        await user.click('button:has-text("Cancel the connection")');
        await user.waitForSelector('h1:has-text("Not connected")');
        expect(new URL(user.url()).pathname).toBe('/auth/failure');
        expect(await user.textContent('body')).toContain('because the connection was cancelled');
        await check(user, 'failure');
        await expect.poll(authEvents, { timeout: 30_000 }).toBe(authBefore + 1);

        // The upload page imports a GPX file and says so.
        const uploader = await api('POST', '/v2/auth/authenticateUser?resource=UPLOAD', {
          reference_id: `upload-${width}`,
        });
        await user.goto(uploader.auth_url);
        await user.waitForSelector('#files');
        await check(user, 'upload');
        await user.setInputFiles('#files', GPX);
        await user.click('#send');
        await user.waitForSelector('#results li');
        expect(await user.textContent('#results')).toContain('Imported');
        await check(user, 'upload-done');
        const listed = await api(
          'GET',
          `/v2/activity?user_id=${uploader.user_id}&start_date=1970-01-01&to_webhook=false`,
        );
        expect(listed.data.length).toBeGreaterThanOrEqual(1);

        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    }, 120_000);
  });
});
