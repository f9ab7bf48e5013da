import type { ProviderDefinition } from '../provider.ts';

/**
 * Apple Health: no cloud API. The phone (HealthKit) pushes batches to
 * `POST /v2/sdk/users/{user_id}/samples` after connecting with a token from
 * `POST /v2/auth/generateAuthToken`; history comes from the Health app's export
 * (`POST /v2/files`, `tributary import`). Nothing to configure: always available.
 */
/** A self-contained icon (no CDN, no static route): a heart on Health's white tile. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#fff" stroke="#ddd"/><path d="M32 50 14 33a10 10 0 0 1 18-14 10 10 0 0 1 18 14z" fill="#ff2d55"/></svg>',
  );

export const appleProvider: ProviderDefinition = {
  capabilities: {
    name: 'APPLE',
    displayName: 'Apple Health',
    icon: ICON,
    dataTypes: ['activity', 'athlete', 'body', 'daily', 'menstruation', 'nutrition', 'sleep'],
    auth: 'mobile_sdk',
    sync: 'push',
    historyDays: null,
    sdkOnly: true,
  },
  settings: [{ key: 'ENABLED', description: 'set to `false` to hide Apple Health from this server', default: 'true' }],
  setup: {
    kind: 'none',
    steps: 'Nothing to configure: the phone app connects with a token from POST /v2/auth/generateAuthToken.',
  },
  docs: 'HealthKit batches pushed by the phone (POST /v2/sdk/users/{user_id}/samples) and Health app exports (POST /v2/files, tributary import).',
  configure(settings) {
    // TRIBUTARY_PROVIDER_APPLE_ENABLED=false hides Apple Health from this server.
    if (settings.ENABLED !== undefined && /^(false|0|no)$/i.test(settings.ENABLED)) return undefined;
    return { capabilities: appleProvider.capabilities };
  },
};
