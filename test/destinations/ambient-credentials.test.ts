import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { isTributaryError } from '../../src/core/errors.ts';
import type { DestinationDefinition, DestinationServices } from '../../src/delivery/destinations/destination.ts';
import { firestoreDestination } from '../../src/delivery/destinations/firestore/index.ts';
import { gcsDestination } from '../../src/delivery/destinations/gcs/index.ts';
import { mongodbDestination } from '../../src/delivery/destinations/mongodb/index.ts';
import { activity, dataPayload, destinationEvent, testUser } from './events.ts';

/**
 * Issue 10 item 2: a destination never lends the operator's identity to a tenant. Without a
 * key, the Google SDKs would use the machine's Application Default Credentials; a MongoDB URI
 * could ask the driver for the host's workload-identity token (MONGODB-OIDC), AWS role
 * (MONGODB-AWS), Kerberos tickets or local files.
 */
const SERVICES: DestinationServices = { payloadUrl: () => 'http://127.0.0.1:1/unused', timeoutMs: ATTEMPT_BUDGET_MS };

async function failure(promise: Promise<unknown>): Promise<Error & { details?: Record<string, unknown> }> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: Error & { details?: Record<string, unknown> }) => error,
  );
}

describe('Google destinations without credentials_json', () => {
  let emulatorHost: string | undefined;
  beforeEach(() => {
    emulatorHost = process.env.FIRESTORE_EMULATOR_HOST;
    delete process.env.FIRESTORE_EMULATOR_HOST;
  });
  afterEach(() => {
    if (emulatorHost !== undefined) process.env.FIRESTORE_EMULATOR_HOST = emulatorHost;
  });

  const cases: Array<[string, DestinationDefinition, Record<string, unknown>]> = [
    ['gcs', gcsDestination as DestinationDefinition, { bucket: 'tenant-bucket' }],
    ['firestore', firestoreDestination as DestinationDefinition, { project_id: 'tenant-project' }],
  ];

  it.each(cases)('%s: refused at creation with a 400 naming credentials_json', async (_type, definition, input) => {
    const error = await failure(definition.verify(definition.parseConfig(input), SERVICES));
    expect(isTributaryError(error) && error.code).toBe('bad_request');
    expect(error.details?.parameter).toBe('config.credentials_json');
    expect(error.message).toMatch(/TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS/);
  });

  it.each(cases)(
    '%s: a stored one fails permanently at delivery, without calling out',
    async (_type, definition, input) => {
      const destination = definition.open(definition.parseConfig(input), SERVICES);
      const outcome = await destination.deliver(
        destinationEvent(
          dataPayload('activity', testUser(), [activity('a1', '2026-03-10T07:00:00Z', '2026-03-10T08:00:00Z')]),
          {},
        ),
      );
      await destination.close();
      expect(outcome).toMatchObject({ ok: false, retryable: false });
      expect(!outcome.ok && outcome.error).toMatch(/credentials_json is required/);
    },
  );

  it('gcs: with the operator setting on, the refusal is gone (the SDK may use the machine identity)', async () => {
    const config = gcsDestination.parseConfig({ bucket: 'tenant-bucket' });
    const error = await gcsDestination
      .verify(config, { ...SERVICES, allowAmbientCredentials: true, timeoutMs: 200 })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(error?.message ?? '').not.toMatch(/TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS/);
  });
});

describe('MongoDB connection-string options', () => {
  const uri = (query: string) => `mongodb+srv://tenant:secret@cluster0.example.net/?${query}`;
  it.each([
    'authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:k8s',
    'authMechanism=MONGODB-OIDC&authMechanismProperties=ENVIRONMENT:azure,TOKEN_RESOURCE:api://x',
    'authMechanism=MONGODB-AWS',
    'authMechanism=GSSAPI',
    'authMechanism=MONGODB-X509',
    'tlsCAFile=/etc/ssl/private/operator.pem',
    'tlsCertificateKeyFile=/var/run/secrets/key.pem',
    'proxyHost=10.0.0.5&proxyPort=1080',
    'retryWrites=true&AUTHMECHANISMPROPERTIES=ENVIRONMENT:gcp',
  ])('refuses %s with a 400 naming uri', (query) => {
    let error: unknown;
    try {
      mongodbDestination.parseConfig({ uri: uri(query), database: 'terra' });
    } catch (e) {
      error = e;
    }
    expect(isTributaryError(error) && error.code).toBe('bad_request');
    expect((error as Error).message).toMatch(/uri/);
    expect((error as Error).message).toMatch(/not allowed/);
  });

  it.each([
    'retryWrites=true&w=majority',
    'authSource=admin&authMechanism=SCRAM-SHA-256',
    'replicaSet=rs0&tls=true&readPreference=secondaryPreferred',
    'appName=Cluster0',
  ])('accepts %s', (query) => {
    expect(mongodbDestination.parseConfig({ uri: uri(query), database: 'terra' }).uri).toBe(uri(query));
  });
});
