import { generateKeyPairSync } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';
import { firestoreDestination } from '../../src/delivery/destinations/firestore/index.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startFirestoreEmulator, type FirestoreEmulator } from '../emulators/firestore/firestore-emulator.ts';
import { destinationContract, type ContractTarget } from './contract.ts';
import { dataPayload, destinationEvent, testUser } from './events.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

/**
 * The firestore destination against @firestore-emulator/server, reached through the standard
 * FIRESTORE_EMULATOR_HOST variable (pointing at a loopback proxy so the contract can take the
 * server down). The emulator does not check credentials, so a well-formed but wrong key cannot
 * be tested here; malformed keys are rejected by the config schema before any connection.
 */
// The client retries an unreachable server internally, so an attempt during the outage takes the whole budget.
// The budget covers the client's first connection to the (JavaScript) emulator, which took over 5 s on a
// loaded two-core machine; the file's test timeout leaves room for two whole budgets plus the retry.
const SERVICES = { payloadUrl: () => 'http://127.0.0.1:1/unused', timeoutMs: ATTEMPT_BUDGET_MS };
vi.setConfig({ testTimeout: 4 * ATTEMPT_BUDGET_MS });
const PROJECT = 'tributary-test';
const ROOT = 'terra/2022-03-16';

/** A freshly generated, throwaway RSA key in a service-account key file's shape (never valid anywhere). */
const TEST_KEY = {
  type: 'service_account',
  project_id: PROJECT,
  client_email: 'writer@tributary-test.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
};

let emulator: FirestoreEmulator;
let proxy: TcpProxy;
let reader: Firestore;

async function startServer(): Promise<void> {
  emulator = await startFirestoreEmulator();
  proxy = await startTcpProxy(emulator.port);
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${proxy.port}`;
  process.env.METADATA_SERVER_DETECTION = 'none';
  reader = new Firestore({ projectId: PROJECT });
}

async function stopServer(): Promise<void> {
  await reader.terminate();
  await proxy.close();
  await emulator.close();
}

function strip(data: Record<string, unknown>): Record<string, unknown> {
  const { user: _user, ...record } = data;
  return record;
}

async function storedDocs(event: DestinationEvent): Promise<unknown[]> {
  const userId = (event.payload.user as { user_id?: string } | undefined)?.user_id;
  if (event.type === 'athlete') {
    const doc = await reader.doc(`${ROOT}/athlete/${userId}.json`).get();
    return doc.exists ? [strip(doc.data()!)] : [];
  }
  if (Array.isArray(event.payload.data)) {
    const records = event.payload.data as { metadata: { start_time: string } }[];
    const docs = await Promise.all(
      records.map((record) => reader.doc(`${ROOT}/${event.type}/${userId}-${record.metadata.start_time}.json`).get()),
    );
    return docs.filter((doc) => doc.exists).map((doc) => strip(doc.data()!));
  }
  const name = `${event.userId ? `${event.userId}-` : ''}${new Date(event.orderingTimestamp).toISOString()}-${event.type}.json`;
  const doc = await reader.doc(`${ROOT}/user_events/${name}`).get();
  return doc.exists ? [doc.data()] : [];
}

async function countDocs(): Promise<number> {
  const collections = ['user_events', 'activity', 'athlete', 'body', 'daily', 'sleep', 'nutrition', 'menstruation'];
  const sizes = await Promise.all(
    collections.map(async (name) => (await reader.collection(`${ROOT}/${name}`).get()).size),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

destinationContract('firestore (@firestore-emulator/server)', async (): Promise<ContractTarget> => {
  await startServer();
  // The emulator ignores credentials; a well-formed key shows the client accepts them.
  const config = { project_id: PROJECT, credentials_json: JSON.stringify(TEST_KEY) };
  return {
    definition: firestoreDestination as never,
    config,
    invalidConfig: { config: { project_id: 'Not A Project' }, parameter: 'config.project_id' },
    badConfigs: [
      {
        name: 'key file that is not JSON',
        config: { ...config, credentials_json: '{"type": "service_account", ' },
        message: /config\.credentials_json: must be the service-account key file/,
      },
      {
        name: 'key without its private key',
        config: {
          ...config,
          credentials_json: JSON.stringify({
            type: 'service_account',
            client_email: 'writer@tributary-test.iam.gserviceaccount.com',
          }),
        },
        message: /config\.credentials_json\.private_key: Required/,
      },
      {
        name: 'server not answering',
        config,
        message: /could not reach Firestore/,
        during: async () => {
          await proxy.down();
          return () => proxy.up();
        },
      },
    ],
    stored: storedDocs,
    count: countDocs,
    async outage() {
      await proxy.down();
      return () => proxy.up();
    },
    services: SERVICES,
    close: stopServer,
  };
});

describe('firestore destination layout', () => {
  beforeAll(startServer);
  afterAll(stopServer);

  it('writes Terra document names under terra/2022-03-16 and keeps the event user inline', async () => {
    const user = testUser();
    const destination = firestoreDestination.open(firestoreDestination.parseConfig({ project_id: PROJECT }), SERVICES);
    try {
      const sleep = {
        metadata: {
          summary_id: 's1',
          start_time: '2026-03-11T23:10:00.000000+01:00',
          end_time: '2026-03-12T06:40:00.000000+01:00',
        },
      };
      expect(await destination.deliver(destinationEvent(dataPayload('sleep', user, [sleep])))).toEqual({ ok: true });
      const doc = await reader.doc(`${ROOT}/sleep/${user.user_id}-2026-03-11T23:10:00.000000+01:00.json`).get();
      expect(doc.data()).toEqual({ ...sleep, user });
      const auth = destinationEvent({
        type: 'auth',
        status: 'success',
        user,
        reference_id: 'r',
        widget_session_id: 'w',
      });
      expect(await destination.deliver(auth)).toEqual({ ok: true });
      const names = (await reader.collection(`${ROOT}/user_events`).get()).docs.map((d) => d.id);
      expect(names).toContain(`${user.user_id}-${new Date(auth.orderingTimestamp).toISOString()}-auth.json`);
    } finally {
      await destination.close();
    }
  });

  it('accepts the key file as JSON text or as an object, and parses idempotently', () => {
    const key = {
      type: 'service_account',
      client_email: 'writer@tributary-test.iam.gserviceaccount.com',
      private_key: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n',
    };
    const fromText = firestoreDestination.parseConfig({ project_id: PROJECT, credentials_json: JSON.stringify(key) });
    expect(fromText.credentials_json).toEqual(key);
    expect(firestoreDestination.parseConfig(fromText)).toEqual(fromText);
  });
});

describe.each(ENGINES)('firestore through POST /v2/destinations on the %s store', (engine) => {
  beforeAll(startServer);
  afterAll(stopServer);

  it('refuses a malformed key with 400 and the reason, hides the key, delivers stored data', async () => {
    const config = { project_id: PROJECT, credentials_json: JSON.stringify(TEST_KEY) };
    await runApiFlow(engine, {
      type: 'firestore',
      config,
      secretFields: ['credentials_json'],
      badConfig: {
        config: { ...config, credentials_json: '{"type": "service_account"' },
        message: /credentials_json: must be the service-account key file/,
      },
      delivered: async (userId) => {
        const doc = await reader.doc(`${ROOT}/activity/${userId}-2026-02-01T08:00:00Z.json`).get();
        return doc.exists ? doc.data() : undefined;
      },
    });
  });
});
