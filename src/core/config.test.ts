import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_SECONDS, ENV, loadConfig } from './config.ts';
import { TributaryError } from './errors.ts';

function failure(env: Record<string, string>): TributaryError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof TributaryError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('loadConfig', () => {
  it('has the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: './.tributary',
      publicUrl: 'http://127.0.0.1:8787',
      logLevel: 'info',
      maxBodyBytes: 10 * 1024 * 1024,
      webhookRetrySchedule: DEFAULT_RETRY_SCHEDULE_SECONDS,
      providers: {},
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.encryptionKey).toBeUndefined();
    expect(config.bootstrapDevId).toBeUndefined();
  });

  it('reads each variable, derives the public URL from host and port, and ignores empty values', () => {
    const config = loadConfig({
      TRIBUTARY_PORT: '9000',
      TRIBUTARY_HOST: '0.0.0.0',
      TRIBUTARY_DATA_DIR: '/var/lib/tributary',
      TRIBUTARY_DATABASE_URL: 'postgres://u@db:5432/t',
      TRIBUTARY_ENCRYPTION_KEY: 'ab'.repeat(32),
      TRIBUTARY_BOOTSTRAP_DEV_ID: 'demo',
      TRIBUTARY_BOOTSTRAP_API_KEY: 'a-long-enough-api-key',
      TRIBUTARY_MAX_BODY_BYTES: '2048',
      TRIBUTARY_WEBHOOK_RETRY_SCHEDULE: '1, 2,3.5',
      TRIBUTARY_LOG_LEVEL: '',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      publicUrl: 'http://127.0.0.1:9000',
      dataDir: '/var/lib/tributary',
      databaseUrl: 'postgres://u@db:5432/t',
      bootstrapDevId: 'demo',
      maxBodyBytes: 2048,
      webhookRetrySchedule: [1, 2, 3.5],
      logLevel: 'info',
    });
    expect(loadConfig({ TRIBUTARY_PUBLIC_URL: 'https://tributary.example.com/' }).publicUrl).toBe(
      'https://tributary.example.com',
    );
  });

  it('collects TRIBUTARY_PROVIDER_<NAME>_<KEY> settings by provider', () => {
    const config = loadConfig({
      TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: 'id',
      TRIBUTARY_PROVIDER_IFIT_BASE_URL: 'http://127.0.0.1:1',
      TRIBUTARY_PROVIDER_UPLOAD_ENABLED: 'true',
    });
    expect(config.providers).toEqual({
      ifit: { CLIENT_ID: 'id', BASE_URL: 'http://127.0.0.1:1' },
      upload: { ENABLED: 'true' },
    });
  });

  const invalid: Array<[string, string]> = [
    [ENV.port, '80a'],
    [ENV.port, '70000'],
    [ENV.databaseUrl, 'mysql://root@localhost/t'],
    [ENV.queueUrl, 'amqp://localhost'],
    [ENV.queuePrefix, 'has space'],
    [ENV.publicUrl, 'not a url'],
    [ENV.encryptionKey, 'short'],
    [ENV.logLevel, 'verbose'],
    [ENV.metricsToken, 'too-short'],
    [ENV.maxBodyBytes, '0'],
    [ENV.maxBodyBytes, 'ten'],
    [ENV.maxUploadBytes, '-1'],
    [ENV.webhookTimeoutMs, '1.5'],
    [ENV.webhookRetrySchedule, '30,sixty'],
    [ENV.webhookAllowPrivate, 'sure'],
    [ENV.allowPrivateDestinations, 'maybe'],
    [ENV.allowAmbientCredentials, 'on'],
    [ENV.destinationDisableAfterSeconds, 'never'],
    [ENV.destinationConcurrency, '0'],
    [ENV.developerConcurrency, 'none'],
    [ENV.retentionDays, 'forever'],
    [ENV.readCopyRetentionHours, '-1'],
    [ENV.requestTimeoutMs, 'soon'],
    [ENV.bodyTimeoutMs, '-5'],
    [ENV.shutdownTimeoutMs, '2.5'],
    [ENV.databaseStatementTimeoutMs, 'forever'],
  ];
  it.each(invalid)('an invalid %s (%s) stops start-up with a message naming it', (variable, value) => {
    const error = failure({ [variable]: value });
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain(variable);
    expect(error.details.variable).toBe(variable);
  });

  it('the bootstrap developer needs both variables, and a key of at least 16 characters', () => {
    expect(failure({ TRIBUTARY_BOOTSTRAP_DEV_ID: 'demo' }).message).toContain(ENV.bootstrapDevId);
    expect(failure({ TRIBUTARY_BOOTSTRAP_API_KEY: 'a-long-enough-api-key' }).message).toContain(ENV.bootstrapApiKey);
    expect(failure({ TRIBUTARY_BOOTSTRAP_DEV_ID: 'demo', TRIBUTARY_BOOTSTRAP_API_KEY: 'short' }).details.variable).toBe(
      ENV.bootstrapApiKey,
    );
  });

  // A new variable makes this fail until an invalid value for it is listed above.
  it('every variable of the schema is covered by these tests', () => {
    const tested = new Set([
      ...invalid.map(([variable]) => variable),
      ENV.bootstrapDevId,
      ENV.bootstrapApiKey,
      ENV.host,
      ENV.dataDir,
    ]);
    expect(Object.values(ENV).filter((variable) => !tested.has(variable))).toEqual([]);
  });

  describe('private destination targets (SSRF guard)', () => {
    const allowed = (env: Record<string, string>) => loadConfig(env).allowPrivateDestinations;

    it('are refused by default on a server reachable beyond loopback', () => {
      expect(allowed({ TRIBUTARY_HOST: '0.0.0.0' })).toBe(false);
      expect(allowed({ TRIBUTARY_PUBLIC_URL: 'https://tributary.example.com' })).toBe(false);
      expect(allowed({ TRIBUTARY_HOST: '127.0.0.1', TRIBUTARY_PUBLIC_URL: 'https://tributary.example.com' })).toBe(
        false,
      );
    });

    it('are allowed by default when the public URL is loopback, and the start line says why', () => {
      expect(allowed({})).toBe(true);
      expect(allowed({ TRIBUTARY_PUBLIC_URL: 'http://localhost:8787' })).toBe(true);
      expect(loadConfig({}).allowPrivateDestinationsBecause).toContain('loopback');
    });

    it('follow TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS, then its old name TRIBUTARY_WEBHOOK_ALLOW_PRIVATE', () => {
      expect(allowed({ TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'false' })).toBe(false);
      expect(allowed({ TRIBUTARY_WEBHOOK_ALLOW_PRIVATE: 'false' })).toBe(false);
      expect(allowed({ TRIBUTARY_HOST: '0.0.0.0', TRIBUTARY_WEBHOOK_ALLOW_PRIVATE: 'true' })).toBe(true);
      expect(allowed({ TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS: 'false', TRIBUTARY_WEBHOOK_ALLOW_PRIVATE: 'true' })).toBe(
        false,
      );
    });

    it('ambient cloud credentials are off unless the operator turns them on', () => {
      expect(loadConfig({}).allowAmbientCredentials).toBe(false);
      expect(loadConfig({ TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS: 'true' }).allowAmbientCredentials).toBe(true);
    });
  });
});
