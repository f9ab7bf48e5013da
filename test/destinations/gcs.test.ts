import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { ENGINES } from '../helpers/engines.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import {
  gcsConfigSchema,
  gcsDestination,
  type GcsDestinationConfig,
} from '../../src/delivery/destinations/gcs/index.ts';
import { expectDocsTableInSync } from '../emulators/docs-table.ts';
import { startPayloadServer, type PayloadServer } from '../emulators/destination-events.ts';
import { startGcsEmulator, type GcsEmulator } from '../emulators/gcs/gcs.ts';
import { objectStoreCases } from '../emulators/object-store-cases.ts';
import { storedObjects } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/**
 * The GCS destination against the Storage emulator of firebase-tools (GCS JSON API). The
 * emulator checks no credentials, so credential handling is covered only as far as it is
 * local: the key file is validated (JSON, service account, readable private key).
 */
describe('gcs destination (firebase-tools Storage emulator)', () => {
  let gcs: GcsEmulator;
  let payloads: PayloadServer;
  let bucketCount = 0;

  beforeAll(async () => {
    [gcs, payloads] = await Promise.all([startGcsEmulator(), startPayloadServer()]);
  });
  afterAll(async () => {
    await payloads?.close();
    await gcs?.close();
  });

  describe('object layout', () => {
    objectStoreCases<GcsDestinationConfig>({
      definition: gcsDestination,
      payloads: () => payloads,
      // The emulator creates a bucket on its first upload: a fresh name is a fresh, empty bucket.
      freshConfig: async (extra = {}) =>
        gcsDestination.parseConfig({
          bucket: `tributary-${process.pid}-${++bucketCount}`,
          api_endpoint: gcs.apiEndpoint,
          ...extra,
        }),
      listKeys: (config) => gcs.listKeys(config.bucket),
      getObject: (config, key) => gcs.getObject(config.bucket, key),
      down: () => gcs.down(),
      up: () => gcs.up(),
      badConfigs: () => [],
      downReason: /ECONNREFUSED|ECONNRESET|EPIPE|socket|connect/i,
    });
  });

  it('with private targets refused: verify refuses a loopback api_endpoint', async () => {
    const config = gcsDestination.parseConfig({ bucket: 'private-check', api_endpoint: gcs.apiEndpoint });
    const error = await gcsDestination
      .verify(config, { ...payloads.services, allowPrivateNetworks: false })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/refusing to send to 127\.0\.0\.1/);
    expect((error as { details: Record<string, unknown> }).details.parameter).toBe('config.api_endpoint');
  });

  it('validates the config and the service-account key, naming the bad field', () => {
    expect(gcsDestination.secretFields).toEqual(['credentials_json']);
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const key = {
      type: 'service_account',
      project_id: 'my-project',
      client_email: 'tributary@my-project.iam.gserviceaccount.com',
      private_key: privateKey,
    };
    // Text (as downloaded) and object forms parse to the same config.
    expect(
      gcsDestination.parseConfig({ bucket: 'my-bucket', credentials_json: JSON.stringify(key) }).credentials_json,
    ).toMatchObject(key);
    expect(gcsDestination.parseConfig({ bucket: 'my-bucket', credentials_json: key }).credentials_json).toMatchObject(
      key,
    );
    expect(() => gcsDestination.parseConfig({ bucket: 'my-bucket', credentials_json: '{not json' })).toThrow(
      /config\.credentials_json: is not valid JSON/,
    );
    expect(() =>
      gcsDestination.parseConfig({ bucket: 'my-bucket', credentials_json: { ...key, type: 'authorized_user' } }),
    ).toThrow(/config\.credentials_json\.type/);
    expect(() =>
      gcsDestination.parseConfig({
        bucket: 'my-bucket',
        credentials_json: { ...key, private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' },
      }),
    ).toThrow(/config\.credentials_json\.private_key: is not a readable PEM private key/);
    expect(() => gcsDestination.parseConfig({ bucket: 'My_Bucket' })).toThrow(/config\.bucket/);
    expect(() => gcsDestination.parseConfig({ bucket: 'my-bucket', api_endpoint: 'localhost:4443' })).toThrow(
      /config\.api_endpoint/,
    );
  });
});

destinationContract('gcs (firebase-tools Storage emulator)', async (): Promise<ContractTarget> => {
  const [gcs, payloads] = await Promise.all([startGcsEmulator(), startPayloadServer()]);
  const bucket = `contract-${process.pid}`;
  // The emulator checks no credentials: `credentials_json` is listed, unset, because the
  // contract checks that every secret field name exists in the config.
  const config = { bucket, api_endpoint: gcs.apiEndpoint, credentials_json: undefined, prefix: 'contract' };
  const read = (key: string) =>
    gcs.getObject(bucket, key).then(
      (object) => object.body,
      () => undefined,
    );
  return {
    definition: gcsDestination as never,
    config,
    invalidConfig: {
      config: { ...config, credentials_json: '{"type":"service_account"' },
      parameter: 'config.credentials_json',
    },
    // Only what can fail here: the emulator accepts any credentials and creates missing buckets.
    badConfigs: [
      { name: 'nothing listening', config: { ...config, api_endpoint: 'http://127.0.0.1:1' }, message: /ECONNREFUSED/ },
      {
        name: 'not a key file',
        config: {
          ...config,
          credentials_json: {
            type: 'service_account',
            client_email: 'a@b.iam.gserviceaccount.com',
            private_key: 'nope',
          },
        },
        message: /private_key: is not a readable PEM/,
      },
    ],
    stored: (event) => storedObjects(event, read, 'contract/'),
    count: async () => (await gcs.listKeys(bucket).catch(() => [])).length,
    outage: async () => {
      await gcs.down();
      return () => gcs.up();
    },
    services: { ...payloads.services, timeoutMs: ATTEMPT_BUDGET_MS },
    close: async () => {
      await payloads.close();
      await gcs.close();
    },
  };
});

describe.each(ENGINES)('gcs through POST /v2/destinations on %s', (engine) => {
  it('refuses an unreachable endpoint with 400 and the reason, delivers stored data', async () => {
    const gcs = await startGcsEmulator();
    try {
      const bucket = `api-${process.pid}`;
      const config = { bucket, api_endpoint: gcs.apiEndpoint };
      await runApiFlow(engine, {
        type: 'gcs',
        config,
        secretFields: ['credentials_json'],
        badConfig: { config: { ...config, api_endpoint: 'http://127.0.0.1:1' }, message: /ECONNREFUSED/ },
        delivered: async (userId, summaryId) => {
          const keys = (await gcs.listKeys(bucket).catch(() => [] as string[])).filter((key) =>
            key.startsWith(`2022-03-16/activity/${userId}-`),
          );
          for (const key of keys)
            if ((await gcs.getObject(bucket, key)).body.toString('utf8').includes(summaryId)) return key;
          return undefined;
        },
      });
    } finally {
      await gcs.close();
    }
  });
});

it('docs/destinations/gcs.md: the config table matches the schema', () => {
  expectDocsTableInSync('gcs', gcsConfigSchema, gcsDestination.secretFields);
});
