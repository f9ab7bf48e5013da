import type { TestApp } from '../helpers/harness.ts';
import type { WhoopEmulator } from '../emulators/whoop/whoop-emulator.ts';

/** Both hosts point at the one emulator (its API under `/developer`, OAuth at the root, as WHOOP's). */
export function whoopEnv(whoop: WhoopEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRIBUTARY_PROVIDER_WHOOP_CLIENT_ID: whoop.clientId,
    TRIBUTARY_PROVIDER_WHOOP_CLIENT_SECRET: whoop.clientSecret,
    TRIBUTARY_PROVIDER_WHOOP_BASE_URL: whoop.baseUrl,
    TRIBUTARY_PROVIDER_WHOOP_AUTH_BASE_URL: whoop.url,
    ...extra,
  };
}

export async function authenticateWhoop(t: TestApp, body: Record<string, unknown> = {}) {
  const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=WHOOP`, {
    method: 'POST',
    headers: { ...t.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { user_id: string; auth_url: string };
}

/**
 * Plays the browser: authenticateUser, WHOOP's authorize page (the emulator answers with
 * the consent the test set), then Tributary's callback. Returns the final redirect.
 */
export async function connectWhoop(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<{ userId: string; authUrl: string; callback: URL; final: Response }> {
  const { user_id: userId, auth_url: authUrl } = await authenticateWhoop(t, body);
  const atProvider = await fetch(authUrl, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  const final = await fetch(callback, { redirect: 'manual' });
  return { userId, authUrl, callback, final };
}
