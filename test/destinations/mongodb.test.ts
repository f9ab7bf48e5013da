import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';
import { mongodbDestination } from '../../src/delivery/destinations/mongodb/index.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { ENGINES } from '../helpers/engines.ts';
import { canonicalId, startMockMongo, type MockMongo } from '../emulators/mongodb/mock-mongo.ts';
import { destinationContract, type ContractTarget } from './contract.ts';
import { activity, dataPayload, destinationEvent, testUser } from './events.ts';
import { startTcpProxy } from './tcp-proxy.ts';

/**
 * The mongodb destination with the official driver against mongodb-mock-server: no MongoDB
 * server can run on this machine, so these tests assert the exact commands the driver sends
 * (and the mock applies their replace-by-_id upserts to an in-memory store so the shared
 * contract can read back what was written). See test/emulators/mongodb/mock-mongo.ts.
 */
const SERVICES = { payloadUrl: () => 'http://127.0.0.1:1/unused', timeoutMs: ATTEMPT_BUDGET_MS };
const DATABASE = 'terra';
const URI_OPTIONS = 'directConnection=true&serverSelectionTimeoutMS=1500&heartbeatFrequencyMS=500';

/** Reads back from the mock what the destination stored for an event (Terra's layout). */
function storedDocs(mock: MockMongo, event: DestinationEvent): unknown[] {
  const userId = (event.payload.user as { user_id?: string } | undefined)?.user_id ?? null;
  if (event.type === 'athlete') {
    const doc = mock.collection(DATABASE, 'athlete').get(canonicalId(userId));
    return doc ? [strip(doc)] : [];
  }
  if (Array.isArray(event.payload.data)) {
    const starts = (event.payload.data as { metadata: { start_time: string } }[]).map(
      (record) => record.metadata.start_time,
    );
    return [...mock.collection(DATABASE, event.type).values()]
      .filter((doc) => {
        const id = doc._id as { user_id: string; start_time: string };
        return id.user_id === userId && starts.includes(id.start_time);
      })
      .map(strip);
  }
  const id = { user_id: event.userId, event_time: new Date(event.orderingTimestamp), type: event.type };
  const doc = mock.collection(DATABASE, 'user_events').get(canonicalId(id));
  return doc ? [withoutId(doc)] : [];
}

function withoutId(doc: Record<string, unknown>): Record<string, unknown> {
  const { _id: _ignored, ...rest } = doc;
  return rest;
}

/** A data document is the record plus the event's `user`. */
function strip(doc: Record<string, unknown>): Record<string, unknown> {
  const { user: _user, ...record } = withoutId(doc);
  return record;
}

function countDocs(mock: MockMongo): number {
  return ['user_events', 'activity', 'athlete', 'body', 'daily', 'sleep', 'nutrition', 'menstruation'].reduce(
    (sum, name) => sum + mock.collection(DATABASE, name).size,
    0,
  );
}

destinationContract('mongodb (mongodb-mock-server)', async (): Promise<ContractTarget> => {
  const mock = await startMockMongo();
  mock.rejectAuthentication = true;
  const proxy = await startTcpProxy(mock.port);
  const config = { uri: `mongodb://127.0.0.1:${proxy.port}/?${URI_OPTIONS}`, database: DATABASE };
  return {
    definition: mongodbDestination as never,
    config,
    invalidConfig: { config: { ...config, uri: 'http://127.0.0.1/' }, parameter: 'config.uri' },
    badConfigs: [
      {
        name: 'wrong password',
        config: { ...config, uri: `mongodb://tributary:wrong@127.0.0.1:${mock.port}/?${URI_OPTIONS}` },
        message: /rejected the credentials: Authentication failed/,
      },
      {
        name: 'server not listening',
        config: { ...config, uri: `mongodb://127.0.0.1:1/?${URI_OPTIONS}` },
        message: /could not reach the server.*ECONNREFUSED/,
      },
      {
        name: 'unparseable connection string',
        config: { ...config, uri: 'mongodb://127.0.0.1:99999999/' },
        message: /invalid connection string/,
      },
    ],
    stored: async (event) => storedDocs(mock, event),
    count: async () => countDocs(mock),
    async outage() {
      await proxy.down();
      return () => proxy.up();
    },
    services: SERVICES,
    async close() {
      await proxy.close();
      await mock.close();
    },
  };
});

describe('mongodb destination: commands sent to the server', () => {
  let mock: MockMongo;
  beforeAll(async () => {
    mock = await startMockMongo();
  });
  afterAll(() => mock.close());

  const open = () =>
    mongodbDestination.open(
      mongodbDestination.parseConfig({ uri: `mongodb://127.0.0.1:${mock.port}/?${URI_OPTIONS}`, database: DATABASE }),
      SERVICES,
    );

  it('creates Terra indexes on first use, then upserts each record by {user_id, start_time}', async () => {
    const user = testUser();
    const records = [
      activity('a-1', '2026-03-12T06:00:00.000000+01:00', '2026-03-12T06:45:00.000000+01:00'),
      activity('a-2', '2026-03-12T18:00:00.000000+01:00', '2026-03-12T18:30:00.000000+01:00'),
    ];
    const event = destinationEvent(dataPayload('activity', user, records));
    const destination = open();
    try {
      mock.commands.length = 0;
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await destination.deliver(event)).toEqual({ ok: true });
      const update = {
        name: 'update',
        db: DATABASE,
        body: {
          update: 'activity',
          updates: records.map((record) => ({
            q: { _id: { user_id: user.user_id, start_time: (record.metadata as { start_time: string }).start_time } },
            u: { ...record, user },
            upsert: true,
          })),
          ordered: true,
        },
      };
      expect(mock.commands).toEqual([
        {
          name: 'createIndexes',
          db: DATABASE,
          body: {
            createIndexes: 'activity',
            indexes: [
              { name: 'metadata.start_time_-1', key: { 'metadata.start_time': -1 } },
              { name: 'metadata.end_time_-1', key: { 'metadata.end_time': -1 } },
            ],
          },
        },
        update,
        // The redelivery: the same upserts, no second index creation.
        update,
      ]);
      expect(mock.collection(DATABASE, 'activity').size).toBe(2);
    } finally {
      await destination.close();
    }
  });

  it('keys athlete by user_id and auth-type events by {user_id, event_time, type} in user_events', async () => {
    const user = testUser();
    const athlete = { first_name: 'Ada', country: 'GB' };
    const auth = destinationEvent({ type: 'auth', status: 'success', user, reference_id: 'r', widget_session_id: 'w' });
    const health = destinationEvent({
      type: 'healthcheck',
      status: 'success',
      creation_timestamp: '2026-03-12T08:00:00+00:00',
      trend_percentage: 0,
      sent_webhooks_last_hour: 1,
    });
    const destination = open();
    try {
      mock.commands.length = 0;
      expect(
        await destination.deliver(destinationEvent({ type: 'athlete', user, athlete, version: '2022-03-16' })),
      ).toEqual({ ok: true });
      expect(await destination.deliver(auth)).toEqual({ ok: true });
      expect(await destination.deliver(health)).toEqual({ ok: true });
      const userIndexes = [
        { name: 'user.user_id_1', key: { 'user.user_id': 1 } },
        { name: 'user.reference_id_1', key: { 'user.reference_id': 1 } },
      ];
      expect(mock.commands).toEqual([
        { name: 'createIndexes', db: DATABASE, body: { createIndexes: 'athlete', indexes: userIndexes } },
        {
          name: 'update',
          db: DATABASE,
          body: {
            update: 'athlete',
            updates: [{ q: { _id: user.user_id }, u: { ...athlete, user }, upsert: true }],
            ordered: true,
          },
        },
        { name: 'createIndexes', db: DATABASE, body: { createIndexes: 'user_events', indexes: userIndexes } },
        {
          name: 'update',
          db: DATABASE,
          body: {
            update: 'user_events',
            updates: [
              {
                q: { _id: { user_id: user.user_id, event_time: new Date(auth.orderingTimestamp), type: 'auth' } },
                u: auth.payload,
                upsert: true,
              },
            ],
            ordered: true,
          },
        },
        {
          name: 'update',
          db: DATABASE,
          body: {
            update: 'user_events',
            updates: [
              {
                q: { _id: { user_id: null, event_time: new Date(health.orderingTimestamp), type: 'healthcheck' } },
                u: health.payload,
                upsert: true,
              },
            ],
            ordered: true,
          },
        },
      ]);
    } finally {
      await destination.close();
    }
  });

  it('verify pings and creates the user_events indexes', async () => {
    mock.commands.length = 0;
    await mongodbDestination.verify(
      mongodbDestination.parseConfig({ uri: `mongodb://127.0.0.1:${mock.port}/?${URI_OPTIONS}`, database: 'd2' }),
      SERVICES,
    );
    expect(mock.commands.map((command) => [command.name, command.db])).toEqual([['createIndexes', 'd2']]);
  });
});

describe.each(ENGINES)('mongodb through POST /v2/destinations on the %s store', (engine) => {
  it('refuses bad credentials with 400 and the reason, hides the connection string, delivers stored data', async () => {
    const mock = await startMockMongo();
    mock.rejectAuthentication = true;
    try {
      const config = { uri: `mongodb://127.0.0.1:${mock.port}/?${URI_OPTIONS}&appName=api-flow`, database: DATABASE };
      await runApiFlow(engine, {
        type: 'mongodb',
        config,
        secretFields: ['uri'],
        badConfig: {
          config: { ...config, uri: `mongodb://tributary:wrong@127.0.0.1:${mock.port}/?${URI_OPTIONS}` },
          message: /Authentication failed/,
        },
        delivered: async (userId, summaryId) =>
          [...mock.collection(DATABASE, 'activity').values()].find(
            (doc) =>
              (doc._id as { user_id: string }).user_id === userId &&
              (doc.metadata as { summary_id: string }).summary_id === summaryId,
          ),
      });
    } finally {
      await mock.close();
    }
  });
});
