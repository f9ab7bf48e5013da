import type { ConfiguredProvider, ProviderCapabilities, ProviderDefinition } from '../provider.ts';
import { UploadLinks } from './links.ts';

export { UploadLinks, UPLOAD_PAGE_TTL_SECONDS } from './links.ts';

/** A self-contained icon (no CDN): an upward arrow over a tray. */
const ICON =
  'data:image/svg+xml;utf8,' +
  encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="#0b6e4f"/><path d="M32 12 18 27h9v14h10V27h9z M14 44v8h36v-8h-5v3H19v-3z" fill="#fff"/></svg>',
  );

const CAPABILITIES: ProviderCapabilities = {
  name: 'UPLOAD',
  displayName: 'Workout files (FIT, TCX, GPX)',
  icon: ICON,
  dataTypes: ['activity'],
  auth: 'upload',
  sync: 'upload',
  historyDays: null,
  sdkOnly: false,
};

/**
 * UPLOAD: workout files a user already has (FIT, TCX, GPX, iFit CSV exports, or a zip of
 * them), sent to `POST /v2/files` or through the hosted upload page that
 * `authenticateUser?resource=UPLOAD` returns as `auth_url`. Always available; set
 * TRIBUTARY_PROVIDER_UPLOAD_ENABLED=false to hide it.
 */
export const UPLOAD: ProviderDefinition = {
  capabilities: CAPABILITIES,
  settings: [{ key: 'ENABLED', description: 'set to `false` to hide workout-file uploads', default: 'true' }],
  setup: { kind: 'none', steps: 'Nothing to configure.' },
  docs: 'Workout files (FIT, TCX, GPX, iFit CSV, zips of them) sent to POST /v2/files or the hosted upload page.',
  configure(settings, environment) {
    if (settings.ENABLED !== undefined && /^(false|0|no)$/i.test(settings.ENABLED)) return undefined;
    const provider: ConfiguredProvider = { capabilities: CAPABILITIES };
    if (environment.encryptionKeyHex) {
      const links = new UploadLinks(environment.encryptionKeyHex, () => environment.publicUrl);
      provider.hostedConnectUrl = (user) => links.pageUrl(user.devId, user.userId);
    }
    return provider;
  },
};
