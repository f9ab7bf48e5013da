import type { TestApp } from '../helpers/harness.ts';
import { OuraEmulator, type OuraAccount } from '../emulators/oura/oura-emulator.ts';

export async function startOura(): Promise<{ oura: OuraEmulator; account: OuraAccount }> {
  const oura = new OuraEmulator();
  const account = oura.addAccount({ id: 'oura-user-1' });
  await oura.start();
  return { oura, account };
}

/** Both hosts point at the one emulator. */
export function ouraEnv(oura: OuraEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRIBUTARY_PROVIDER_OURA_CLIENT_ID: oura.clientId,
    TRIBUTARY_PROVIDER_OURA_CLIENT_SECRET: oura.clientSecret,
    TRIBUTARY_PROVIDER_OURA_BASE_URL: oura.url,
    TRIBUTARY_PROVIDER_OURA_AUTH_BASE_URL: oura.url,
    ...extra,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
type Json = any;

export async function api(
  t: TestApp,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json }> {
  const response = await fetch(t.url + path, {
    method,
    headers: { ...t.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/**
 * Plays the browser: authenticateUser, the provider's authorize page (the emulator answers
 * with the consent the test set), then Tributary's callback. Returns the final redirect.
 */
export async function connectOura(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<{ userId: string; authUrl: string; callback: URL; final: Response }> {
  const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=OURA', body);
  const atProvider = await fetch(json.auth_url, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  const final = await fetch(callback, { redirect: 'manual' });
  return { userId: json.user_id, authUrl: json.auth_url, callback, final };
}
