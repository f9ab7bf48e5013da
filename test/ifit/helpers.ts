import { expect } from 'vitest';
import { validateEvent } from '../../src/model/validate.ts';
import type { StoredEvent } from '../../src/store/store.ts';
import type { TestApp } from '../helpers/harness.ts';
import { IfitEmulator } from '../emulators/ifit/ifit-emulator.ts';

export const IFIT_LOGIN = { username: 'runner@example.com', password: 'hunter2-treadmill' };

/** The emulator with one account and 40 days of workouts (one every 30 h, every type). */
export async function startEmulator(): Promise<{ emulator: IfitEmulator; accountId: string }> {
  const emulator = new IfitEmulator({ seed: 7 });
  const account = emulator.addAccount(IFIT_LOGIN);
  emulator.addHistory(account.id, 40, 30);
  await emulator.start();
  return { emulator, accountId: account.id };
}

export function ifitEnv(emulator: IfitEmulator): Record<string, string> {
  return {
    TRIBUTARY_PROVIDER_IFIT_BASE_URL: emulator.url,
    TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: emulator.clientId,
    TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET: emulator.clientSecret,
    TRIBUTARY_PROVIDER_IFIT_POLL_SECONDS: '3600',
    TRIBUTARY_PROVIDER_IFIT_BACKFILL_DAYS: '30',
  };
}

export async function api(
  t: TestApp,
  method: string,
  path: string,
  body?: unknown,
  headers = t.headers,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; json: any }> {
  const response = await fetch(t.url + path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** Submits the hosted login form like a browser would (urlencoded, no redirect following). */
export async function submitLogin(authUrl: string, username: string, password: string): Promise<Response> {
  return fetch(authUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
    redirect: 'manual',
  });
}

/**
 * Validates an outbox event against Terra's schema. Terra's model makes every field
 * nullable in practice (terra-contract.md §4) while the generated schema types some as
 * plain strings, so issues that only say "got null" are not counted.
 */
export function expectTerraEvent(event: StoredEvent | Record<string, unknown>): void {
  const payload = 'payload' in event && 'eventId' in event ? (event as StoredEvent).payload : event;
  const issues = validateEvent(payload).filter((issue) => !issue.message.endsWith('(got null)'));
  expect(issues, JSON.stringify(issues)).toEqual([]);
}
