import type { Page } from 'playwright-core';
import type { TestApp } from '../helpers/harness.ts';

/**
 * What the dashboard's browser tests share: Debian's chromium (scripts/test-deps.sh installs
 * it; playwright-core never downloads a browser) and signing in through the form.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens the dashboard and signs in with the test developer's key; resolves on the overview. */
export async function signIn(page: Page, t: TestApp): Promise<void> {
  await page.goto(`${t.url}/dashboard`);
  await page.fill('#dev-id', t.devId);
  await page.fill('#api-key', t.apiKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('.stats', { timeout: 30_000 });
}
