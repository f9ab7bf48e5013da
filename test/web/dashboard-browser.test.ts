import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver } from '../delivery/receiver.ts';
import { seedExplorer, seedRunner } from './seed.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser.ts';

/**
 * The dashboard in a real browser: Debian's chromium (installed by `npm test`'s pretest, scripts/test-deps.sh) driven by
 * playwright-core over CDP. Runs on the embedded store: the /v2 endpoints it reads are
 * covered on both engines by their own suites (test/web/events-api.test.ts and others).
 * Set TRIBUTARY_DASHBOARD_SCREENSHOTS=<dir> to keep screenshots of each view.
 */
const CHROMIUM = CHROMIUM_PATH;
const ARGS = CHROMIUM_ARGS;
const SHOTS = process.env.TRIBUTARY_DASHBOARD_SCREENSHOTS;

describe('dashboard in chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let failing = true;
  // Data events fail until the test "fixes the endpoint"; the destination test (healthcheck) always succeeds.
  const receiver = startReceiver((request) =>
    failing && !request.body.includes('"healthcheck"') ? { status: 500 } : { status: 200 },
  );

  beforeAll(async () => {
    expect(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: apt-get install -y chromium (npm test installs it: scripts/test-deps.sh)`,
    ).toBe(true);
    t = await startTestApp('sqlite', 'dashboard-browser', { TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '0.1,0.1' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await (await receiver).close();
  });

  const shot = async (page: Page, name: string) => {
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });
  };

  it('signs in, shows a seeded user and a failed delivery, and redelivers it', async () => {
    const hook = await receiver;
    const created = await fetch(`${t.url}/v2/destinations`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: hook.url }),
    });
    expect(created.status).toBe(201);
    await seedExplorer(t, await seedRunner(t, 'alice-runner'));
    await seedRunner(t, 'bob-cyclist', 'IFIT');
    // A watch that went quiet three days ago: stale (Apple sends daily data).
    const quiet = await t.app.store.users.create(t.devId, {
      provider: 'APPLE',
      referenceId: 'dana-quiet',
      state: 'connected',
    });
    await (
      await t.sql()
    ).run('UPDATE users SET created_at = ? WHERE user_id = ?', [
      new Date(Date.now() - 3 * 86_400_000).toISOString(),
      quiet.userId,
    ]);
    await t.app.store.users.create(t.devId, { provider: 'IFIT', referenceId: 'erin-pending' });
    // The seeded activities' events go to the failing webhook until their retries run out.
    await eventually(
      async () => {
        const answer = (await (await fetch(`${t.url}/v2/deliveries?status=failed`, { headers: t.headers })).json()) as {
          deliveries: unknown[];
        };
        return answer.deliveries.length >= 2;
      },
      20_000,
      'two failed deliveries',
    );

    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(`${t.url}/dashboard`);

    // A wrong key is refused with a clear message, and nothing is kept.
    await page.fill('#dev-id', t.devId);
    await page.fill('#api-key', 'not-the-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.signin-feedback')).toContain('Wrong dev-id or API key');
    await shot(page, 'signin-error');
    // The browser logs the refused request itself; anything after this point is a real error.
    consoleErrors.length = 0;

    await page.fill('#api-key', t.apiKey);
    await page.click('button[type=submit]');
    await page.waitForSelector('.stats', { timeout: 10_000 }).catch(async (error: Error) => {
      await shot(page, 'failure');
      throw new Error(
        `${error.message}\npage: ${await page.textContent('body')}\nconsole: ${consoleErrors.join('\n')}`,
      );
    });
    expect(page.url()).not.toContain(t.apiKey);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await page.waitForSelector('[data-testid="failed-deliveries"]');
    // The webhook fails now: the overview says so, and names the stale connection.
    expect(await page.textContent('[data-testid="failing-destinations-stat"] .stat-value')).toBe('1');
    expect(await page.textContent('[data-testid="stale-stat"] .stat-value')).toBe('1');
    expect(await page.textContent('[data-testid="stale-connections"]')).toContain('dana-quiet');
    expect(await page.textContent('[data-testid="failed-deliveries"]')).toContain('failed deliver');
    await shot(page, 'overview');

    await page.click('a[href="#/users"]');
    await page.waitForSelector('tr[data-user-id]');
    expect(await page.textContent('.table')).toContain('alice-runner');
    // Pending users are shown as pending; the stale filter finds the quiet watch only.
    expect(await page.textContent('tr:has-text("erin-pending") [data-testid="user-state"]')).toBe('pending');
    await page.selectOption('#users-stale', 'true');
    await page.click('[data-testid="users-filter"] button[type=submit]');
    await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
    expect(await page.textContent('tr[data-user-id] [data-testid="user-health"]')).toBe('stale · no data');
    await page.fill('#users-query', 'ALICE');
    await page.selectOption('#users-stale', '');
    await page.click('[data-testid="users-filter"] button[type=submit]');
    await expect.poll(() => page.locator('tr[data-user-id]').count()).toBe(1);
    expect(await page.textContent('.users-table')).toContain('alice-runner');
    await shot(page, 'users');
    // Connect a new user: a widget session, opened in a new tab.
    await page.click('[data-testid="connect-user"]');
    await page.fill('#widget-reference', 'carol-new');
    const [widget] = await Promise.all([
      context.waitForEvent('page'),
      page.click('.connect-panel button[type=submit]'),
    ]);
    await page.waitForSelector('[data-testid="widget-link"]');
    await expect.poll(() => widget.url()).toContain('/widget/');
    expect(await page.getAttribute('[data-testid="widget-link"] a', 'href')).toBe(widget.url());
    await shot(page, 'users-connect');
    await widget.close();
    await page.click('a.row-link:has-text("alice-runner")');
    await page.waitForSelector('.records-table');
    expect(await page.textContent('.records-table')).toContain('Run run-alice-runner-0');
    expect(await page.textContent('[data-testid="user-health-card"]')).toContain('healthy');
    await shot(page, 'user-detail');
    // Any period: "All" lists the ride of two years ago; its detail draws the route and the
    // charts from the stored samples, lists its laps and shows its raw payload beside it.
    await page.click('.presets a:has-text("All")');
    await page.click('tr[data-record-key="ride-two-years-ago"] a');
    await page.waitForSelector('[data-testid="route-map"]');
    expect(await page.getAttribute('[data-testid="route-map"]', 'data-positions')).toBe('3600');
    // uPlot draws each series of 3,600 samples on its canvas.
    for (const name of ['heart-rate', 'speed', 'power', 'cadence', 'elevation']) {
      expect(await page.getAttribute(`[data-testid="plot-${name}"]`, 'data-points')).toBe('3600');
      await page.waitForSelector(`[data-testid="plot-${name}"] .uplot canvas`);
    }
    expect(await page.locator('.laps-table tbody tr').count()).toBe(3);
    expect(await page.textContent('[data-testid="raw-json"]')).toContain('verbatim provider payload');
    expect(await page.textContent('[data-testid="normalized-json"]')).toContain('ride-two-years-ago');
    for (const [button, filename] of [
      ['fit', 'ride-two-years-ago.fit'],
      ['fhir', 'ride-two-years-ago.fhir.json'],
      ['json', 'ride-two-years-ago.json'],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click(`[data-testid="download-${button}"]`),
      ]);
      expect(download.suggestedFilename()).toBe(filename);
    }
    await shot(page, 'explorer-activity');
    await page.click('.tabs a:has-text("Sleep")');
    await page.click('tr[data-record-key="night-1"] a');
    await page.waitForSelector('[data-testid="hypnogram"]');
    expect(await page.getAttribute('[data-testid="hypnogram"]', 'data-periods')).toBe('9');
    await page.waitForSelector('[data-testid="hypnogram"] .uplot canvas');
    expect(await page.getAttribute('[data-testid="hypnogram"] [role="img"]', 'aria-label')).toContain('Deep 100 min');
    expect(await page.getAttribute('[data-testid="plot-hrv-rmssd-"]', 'data-points')).toBe('9');
    await shot(page, 'explorer-sleep');

    // Destinations (each management action is covered by dashboard-destinations.test.ts): the
    // webhook created above is listed; a secret notice shown once is gone after a fresh render.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.click('a[href="#/destinations"]');
    await page.waitForSelector('tr[data-type="webhook"]');
    const firstHook = page.locator('tr[data-type="webhook"]').first();
    await firstHook.locator('[data-testid="test-destination"]').click();
    await page.waitForSelector('.toast:has-text("Test event queued")');
    await hook.waitFor((received) => received.some((r) => r.body.includes('"healthcheck"')));
    await firstHook.locator('[data-testid="rotate-destination"]').click();
    await page.waitForSelector('[data-testid="secret-value"]');
    await page.click('a[href="#/overview"]');
    await page.waitForSelector('.stats');
    await page.click('a[href="#/destinations"]');
    await page.waitForSelector('tr[data-type="webhook"]');
    expect(await page.locator('[data-testid="secret-value"]').count()).toBe(0);
    await shot(page, 'destinations');

    // API keys: create one (shown once), see it used, revoke it; the signed-in developer is named.
    expect(await page.textContent('[data-testid="developer-name"]')).toBe('test developer');
    await page.click('a[href="#/keys"]');
    await page.fill('#key-name', 'browser key');
    await page.click('[data-testid="create-key"] button[type=submit]');
    const browserKey = (await (await page.waitForSelector('[data-testid="secret-value"]')).textContent()) ?? '';
    const keyRow = page.locator('tr', { hasText: 'browser key' });
    expect(await keyRow.locator('[data-testid="last-used"]').textContent()).toBe('never');
    const keyHeaders = { 'dev-id': t.devId, 'x-api-key': browserKey };
    expect((await fetch(`${t.url}/v2/subscriptions`, { headers: keyHeaders })).status).toBe(200);
    await shot(page, 'keys-created');
    await keyRow.locator('[data-testid="revoke-key"]').click();
    await page.waitForSelector('.toast:has-text("revoked")');
    expect(await page.locator('tr', { hasText: 'browser key' }).count()).toBe(0);
    expect((await fetch(`${t.url}/v2/subscriptions`, { headers: keyHeaders })).status).toBe(401);
    // The one key left cannot be revoked from here.
    expect(await page.locator('[data-testid="revoke-key"]').isDisabled()).toBe(true);

    await page.click('a[href="#/integrations"]');
    await page.waitForSelector('.integration, .empty');
    await shot(page, 'integrations');

    // Deliveries, failed only: redeliver one once the endpoint is fixed.
    failing = false;
    await page.click('a[href="#/deliveries"]');
    await page.click('a.tab[href="#/deliveries?status=failed"]');
    await page.waitForSelector('tr[data-delivery-id]');
    await shot(page, 'deliveries-failed');
    const row = page.locator('tr[data-delivery-id]').first();
    const deliveryId = await row.getAttribute('data-delivery-id');
    expect(await row.locator('[data-testid="status"]').textContent()).toBe('failed');
    await row.locator('[data-testid="redeliver"]').click();
    await expect
      .poll(() => page.locator(`tr[data-delivery-id="${deliveryId}"] [data-testid="status"]`).textContent(), {
        timeout: 15_000,
      })
      .toBe('delivered');
    await shot(page, 'deliveries-redelivered');
    const stored = (await (await fetch(`${t.url}/v2/deliveries/${deliveryId}`, { headers: t.headers })).json()) as {
      status: string;
      trace_id: string;
    };
    expect(stored.status).toBe('delivered');
    // The attempt log names the real X-Terra-Trace-Id, the one the endpoint received.
    await page.locator(`tr[data-delivery-id="${deliveryId}"] [data-testid="delivery-details"]`).click();
    await expect.poll(() => page.textContent('[data-testid="trace-id"]')).toBe(stored.trace_id);
    expect(hook.received.some((r) => r.headers['x-terra-trace-id'] === stored.trace_id)).toBe(true);
    expect(consoleErrors).toEqual([]);

    // Narrow screens: the sidebar becomes a top bar and nothing overflows sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('a[href="#/overview"]');
    await page.waitForSelector('.stats');
    // The redelivered one is no longer counted as failed.
    const stillFailed = (
      (await (await fetch(`${t.url}/v2/deliveries?status=failed`, { headers: t.headers })).json()) as {
        deliveries: { id: string }[];
      }
    ).deliveries;
    expect(stillFailed.map((d) => d.id)).not.toContain(deliveryId);
    expect(await page.textContent('[data-testid="failed-deliveries"] .card-title')).toBe(
      `${stillFailed.length} failed deliver${stillFailed.length === 1 ? 'y' : 'ies'}`,
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'overview-narrow');

    // Live: new data for a new user shows up on the open overview without a reload.
    const usersBefore = Number(await page.textContent('.stat:has-text("Users") .stat-value'));
    await seedRunner(t, 'zoe-live');
    await expect
      .poll(async () => Number(await page.textContent('.stat:has-text("Users") .stat-value')), { timeout: 30_000 })
      .toBe(usersBefore + 1);

    await context.close();
  }, 180_000);
});
