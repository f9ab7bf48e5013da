import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/harness.ts';

/**
 * What the browser tests share: Debian's chromium (scripts/test-deps.sh installs it;
 * playwright-core never downloads a browser), signing in through the form, the axe-core
 * accessibility check and the no-sideways-scroll check.
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

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core's serious and critical violations on the page as it is now (its default rules:
 * WCAG 2 A/AA and best practices), one line each naming the rule and the first elements.
 * axe is evaluated through the DevTools protocol: the pages' CSP (script-src 'self') stays on.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe;
    const results = (await axe.run(document, { resultTypes: ['violations'] })) as { violations: AxeViolation[] };
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String) })),
    }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 4)
          .map((n) => n.target.join(' '))
          .join(' | ')}${v.nodes.length > 4 ? ` and ${v.nodes.length - 4} more` : ''}`,
    );
}

/**
 * No serious or critical accessibility violation on the page as it is now. A soft assertion:
 * the test goes on to the next view and fails at its end, listing every view's violations.
 */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  expect.soft(await accessibilityViolations(page), `axe on ${where}`).toEqual([]);
}

/** Nothing wider than the window (tables and code blocks scroll inside their own box); names the widest offender. Soft, like the axe check. */
export async function expectNoSideScroll(page: Page, where: string): Promise<void> {
  const [scrollWidth, innerWidth, offender] = await page.evaluate(() => {
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
      window.innerWidth,
      wide ? `${wide[1].tagName}.${wide[1].className} (${Math.round(wide[0])} px)` : '',
    ] as const;
  });
  expect.soft(scrollWidth, `${where}: ${offender}`).toBeLessThanOrEqual(innerWidth);
}
