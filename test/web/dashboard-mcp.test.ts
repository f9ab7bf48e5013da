import { existsSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { activity } from '../api/records.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

/**
 * The dashboard's "AI agents" view (#/agents) in a real browser: user grants and the audit
 * log of MCP tool calls, filtered by grant, and revoking a grant. Embedded store only: the
 * /v2/mcp endpoints it reads run on both engines in test/mcp/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

describe('dashboard: AI agents view in chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing (npm test installs it: scripts/test-deps.sh)`).toBe(true);
    t = await startTestApp('sqlite', 'dashboard-mcp');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists grants and tool calls, filters by grant, and revokes a grant', async () => {
    const user = await t.app.store.users.create(t.devId, {
      provider: 'UPLOAD',
      referenceId: 'ann',
      state: 'connected',
    });
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity('a-1', '2026-03-01T08:00:00.000Z')] });
    const created = await fetch(`${t.url}/v2/mcp/grants`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: user.userId, data_types: ['activity'], end_date: '2026-03-31' }),
    });
    const grant = (await created.json()) as { id: string; token: string };
    const client = new Client({ name: 'dashboard-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${t.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${grant.token}` } },
      }),
    );
    await client.callTool({
      name: 'summarize_activity',
      arguments: { start_date: '2026-03-01', end_date: '2026-03-07' },
    });
    await client.callTool({ name: 'summarize_sleep', arguments: { start_date: '2026-03-01', end_date: '2026-03-07' } });
    await client.close();

    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${t.url}/dashboard`);
    await page.fill('#dev-id', t.devId);
    await page.fill('#api-key', t.apiKey);
    await page.click('button[type=submit]');
    await page.waitForSelector('.stats', { timeout: 15_000 });
    await page.click('a.nav-link[href="#/agents"]');

    await page.waitForSelector(`tr[data-grant-id="${grant.id}"]`);
    // Calendar days in the dashboard's one date format (the browser's locale).
    const day = (iso: string) =>
      page.evaluate(
        (d) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(d)),
        `${iso}T00:00:00Z`,
      );
    expect(await page.textContent(`tr[data-grant-id="${grant.id}"]`)).toContain(
      `activity; … → ${await day('2026-03-31')}`,
    );
    await expect.poll(() => page.locator('tr[data-audit-id]').count()).toBe(2);
    const rows = await page.locator('tr[data-audit-id]').allTextContents();
    expect(rows[0]).toContain('summarize_sleep');
    expect(rows[0]).toContain('refused');
    expect(rows[0]).toContain('does not cover sleep data');
    expect(rows[1]).toContain('summarize_activity');
    expect(rows[1]).toContain(`${await day('2026-03-01')} → ${await day('2026-03-07')}`);

    await page.fill('#mcp-grant', 'mcpg_someone_else');
    await page.click('[data-testid="mcp-filters"] button[type=submit]');
    await page.waitForSelector('text=No tool calls');
    expect(page.url()).toContain('grant_id=mcpg_someone_else');

    await page.goto(`${t.url}/dashboard#/agents`);
    await page.click(`tr[data-grant-id="${grant.id}"] [data-testid="revoke-grant"]`);
    await page.waitForSelector(`tr[data-grant-id="${grant.id}"] .pill:has-text("revoked")`);
    const stored = await t.app.store.mcpGrants.get(t.devId, grant.id);
    expect(stored?.status).toBe('revoked');
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
