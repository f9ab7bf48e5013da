import type { TestApp } from '../helpers/harness.ts';
import type { GarminEmulator } from '../emulators/garmin/garmin-emulator.ts';
import { api } from '../oura/helpers.ts';

export { api };

/** Both OAuth2 hosts and the API point at the one emulator. */
export function garminEnv(garmin: GarminEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRIBUTARY_PROVIDER_GARMIN_CLIENT_ID: garmin.clientId,
    TRIBUTARY_PROVIDER_GARMIN_CLIENT_SECRET: garmin.clientSecret,
    TRIBUTARY_PROVIDER_GARMIN_BASE_URL: garmin.url,
    TRIBUTARY_PROVIDER_GARMIN_AUTH_BASE_URL: garmin.url,
    ...extra,
  };
}

/**
 * Plays the browser: authenticateUser, Garmin's consent page (the emulator answers with
 * the consent the test set), then Tributary's callback. Returns the final redirect.
 */
export async function connectGarmin(
  t: TestApp,
  body: Record<string, unknown> = {},
): Promise<{ userId: string; authUrl: string; callback: URL; final: Response }> {
  const { json } = await api(t, 'POST', '/v2/auth/authenticateUser?resource=GARMIN', body);
  const atProvider = await fetch(json.auth_url, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  const final = await fetch(callback, { redirect: 'manual' });
  return { userId: json.user_id, authUrl: json.auth_url, callback, final };
}
