import mockServer, { type MockServer } from 'mongodb-mock-server';

/**
 * No MongoDB server can run on this machine (no mongod in apt, mongodb-memory-server cannot
 * download its binary), so the MongoDB destination is tested against `mongodb-mock-server`:
 * a real wire-protocol server whose replies we script. It records every command the official
 * driver sends, answers the handshake like a MongoDB 7 standalone, and applies `update`
 * commands with `upsert` + replacement documents by `_id` to an in-memory store, so tests can
 * assert both the exact commands and their effect. It is not a database: only the commands the
 * destination uses are understood; anything else is answered `ok: 0` (CommandNotFound).
 */
export interface RecordedCommand {
  name: string;
  db: string;
  /** The command document without `$db`, `lsid` and `$clusterTime` (session bookkeeping). */
  body: Record<string, unknown>;
}

export interface MockMongo {
  readonly host: string;
  readonly port: number;
  /** Commands received, in order (handshakes and pings excluded). */
  readonly commands: RecordedCommand[];
  /** Collections of one database: `_id` (as canonical JSON) → document. */
  collection(db: string, name: string): Map<string, Record<string, unknown>>;
  /** When set, `saslStart` fails as a server with these credentials unknown would. */
  rejectAuthentication: boolean;
  close(): Promise<void>;
}

const HANDSHAKE = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'endSessions',
  'buildInfo',
  'buildinfo',
  'getLastError',
]);

export async function startMockMongo(): Promise<MockMongo> {
  const server: MockServer = await mockServer.createServer(0, '127.0.0.1');
  const commands: RecordedCommand[] = [];
  const data = new Map<string, Map<string, Record<string, unknown>>>();
  const collection = (db: string, name: string) => {
    const key = `${db}.${name}`;
    let docs = data.get(key);
    if (!docs) data.set(key, (docs = new Map()));
    return docs;
  };
  const mock: MockMongo = {
    host: '127.0.0.1',
    port: server.address().port,
    commands,
    collection,
    rejectAuthentication: false,
    close: () => server.destroy(),
  };

  server.setMessageHandler((request) => {
    const doc = request.document;
    const name = Object.keys(doc)[0];
    const db = String(doc.$db ?? request.response.ns?.split('.')[0] ?? 'admin');
    if (name === 'hello' || name === 'ismaster' || name === 'isMaster') {
      return request.reply({
        ...mockServer.DEFAULT_ISMASTER_36,
        localTime: new Date(),
        maxWireVersion: 21,
        minWireVersion: 0,
        helloOk: true,
        isWritablePrimary: true,
        ismaster: true,
        connectionId: 1,
      });
    }
    if (HANDSHAKE.has(name)) return request.reply({ ok: 1 });
    if (name === 'saslStart') {
      if (mock.rejectAuthentication)
        return request.reply({ ok: 0, code: 18, codeName: 'AuthenticationFailed', errmsg: 'Authentication failed.' });
      return request.reply({
        ok: 0,
        code: 334,
        codeName: 'MechanismUnavailable',
        errmsg: 'the mock only rejects authentication',
      });
    }
    const { $db: _db, lsid: _lsid, $clusterTime: _clusterTime, ...body } = unwrapDocumentSequences(doc);
    commands.push({ name, db, body });
    if (name === 'createIndexes')
      return request.reply({ ok: 1, createdCollectionAutomatically: false, numIndexesBefore: 1, numIndexesAfter: 3 });
    if (name === 'update') {
      const docs = collection(db, String(doc.update));
      let n = 0;
      let nModified = 0;
      const upserted: { index: number; _id: unknown }[] = [];
      (body.updates as { q: Record<string, unknown>; u: Record<string, unknown>; upsert?: boolean }[]).forEach(
        (update, index) => {
          const id = update.q._id;
          const replacement = update.u;
          // Only what the destination sends is understood: a filter on _id and a replacement document.
          if (
            Object.keys(update.q).length !== 1 ||
            id === undefined ||
            Object.keys(replacement).some((key) => key.startsWith('$'))
          ) {
            throw new Error(`mock-mongo: unsupported update ${JSON.stringify(update)}`);
          }
          const key = canonicalId(id);
          if (docs.has(key)) {
            nModified += 1;
            n += 1;
          } else if (update.upsert) {
            upserted.push({ index, _id: id });
            n += 1;
          } else return;
          docs.set(key, { ...replacement, _id: id });
        },
      );
      return request.reply({ ok: 1, n, nModified, ...(upserted.length ? { upserted } : {}) });
    }
    return request.reply({
      ok: 0,
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: `no such command: '${name}' (mock-mongo)`,
    });
  });
  return mock;
}

/**
 * The driver talks OP_QUERY to a server that announces itself as this mock (it checks
 * `__nodejs_mock_server__`), and then serializes an OP_MSG document sequence (`updates`,
 * `documents`) as an object `{field, documents, …}` instead of a kind-1 section. Put the
 * array back where a real server would read it, so assertions see the command as MongoDB does.
 */
function unwrapDocumentSequences(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(doc).map(([key, value]) => {
      const sequence = value as { field?: unknown; documents?: unknown } | null;
      return sequence && typeof sequence === 'object' && sequence.field === key && Array.isArray(sequence.documents)
        ? [key, sequence.documents]
        : [key, value];
    }),
  );
}

/** A stable key for an `_id` value: subdocument field order matters to MongoDB, so it is kept. */
export function canonicalId(id: unknown): string {
  return JSON.stringify(id, (_key, value: unknown) => (value instanceof Date ? { $date: value.toISOString() } : value));
}
