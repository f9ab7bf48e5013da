import type { Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type { DestinationDefinition, DestinationServices } from '../../src/delivery/destinations/destination.ts';
import { azureBlobDestination } from '../../src/delivery/destinations/azure-blob/index.ts';
import { gcsDestination } from '../../src/delivery/destinations/gcs/index.ts';
import { mongodbDestination } from '../../src/delivery/destinations/mongodb/index.ts';
import { sqlDestination } from '../../src/delivery/destinations/sql/index.ts';
import { supabaseDestination } from '../../src/delivery/destinations/supabase/index.ts';
import { activity, dataPayload, destinationEvent, testUser } from './events.ts';

/**
 * Issue 10 item 4: with TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS=false every destination type
 * is refused at connect time, on the address the socket would use, before any connection
 * is made — even one created before the guard was on (open() + deliver(), no verify()).
 * Each target here is a TCP listener on 127.0.0.1 that counts the connections it receives.
 */
const GUARDED: DestinationServices = {
  payloadUrl: () => 'http://127.0.0.1:1/unused',
  timeoutMs: 3000,
  allowPrivateNetworks: false,
};

let server: Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sql = (scheme: string, host: string) => ({ scheme, host, port, database: 'db', username: 'u', password: 'p' });
const event = () =>
  destinationEvent(
    dataPayload('activity', testUser(), [activity('guard-1', '2026-03-10T07:00:00Z', '2026-03-10T08:00:00Z')]),
    {},
  );

async function deliverOnce(definition: DestinationDefinition, input: Record<string, unknown>) {
  const destination = definition.open(definition.parseConfig(input), GUARDED);
  try {
    return await destination.deliver(event());
  } finally {
    await destination.close().catch(() => undefined);
  }
}

describe('the SSRF guard at connect time (private targets refused)', () => {
  const cases: Array<[string, DestinationDefinition, () => Record<string, unknown>]> = [
    ['sql (postgres, literal)', sqlDestination as DestinationDefinition, () => sql('postgres', '127.0.0.1')],
    ['sql (postgres, a name)', sqlDestination as DestinationDefinition, () => sql('postgres', 'localhost')],
    ['sql (mysql, a name)', sqlDestination as DestinationDefinition, () => sql('mysql', 'localhost')],
    [
      'mongodb (seed literal)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: `mongodb://127.0.0.1:${port}/?directConnection=true`, database: 'terra' }),
    ],
    [
      'mongodb (replica-set seed list by name)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: `mongodb://localhost:${port},localhost:${port + 1}/?replicaSet=rs0`, database: 'terra' }),
    ],
    // IP literals are never looked up: each is checked as the driver opens the server.
    [
      'mongodb (private literal 10.x)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: 'mongodb://10.20.30.40:27017/?directConnection=true', database: 'terra' }),
    ],
    [
      'mongodb (cloud metadata 169.254.169.254)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: 'mongodb://169.254.169.254/', database: 'terra' }),
    ],
    [
      'mongodb (IPv4-mapped IPv6 loopback)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: `mongodb://[::ffff:127.0.0.1]:${port}/?directConnection=true`, database: 'terra' }),
    ],
    [
      'mongodb (replica set: a public-looking name list with a private literal)',
      mongodbDestination as DestinationDefinition,
      () => ({ uri: `mongodb://10.0.0.7:27017,[::ffff:127.0.0.1]:${port}/?replicaSet=rs0`, database: 'terra' }),
    ],
    [
      'azure_blob (SAS URL)',
      azureBlobDestination as DestinationDefinition,
      () => ({ container: 'terra', sas_url: `http://localhost:${port}/account/terra?sv=2024-01-01&sig=x` }),
    ],
    [
      'gcs (api_endpoint)',
      gcsDestination as DestinationDefinition,
      () => ({ bucket: 'terra', api_endpoint: `http://localhost:${port}` }),
    ],
    [
      'supabase (database and storage)',
      supabaseDestination as DestinationDefinition,
      () => ({
        url: `http://localhost:${port}`,
        service_role_key: 'x'.repeat(40),
        database_url: `postgres://u:p@localhost:${port}/postgres`,
      }),
    ],
  ];

  it.each(cases)('%s: refused, permanent, and no connection made', async (_name, definition, input) => {
    const before = connections;
    const outcome = await deliverOnce(definition, input());
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error).toMatch(/refusing to send|private/);
    expect(outcome.retryable).toBe(false);
    // Give a connection that slipped through time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toBe(before);
  });
});

describe("azure_blob: the SDK's own sockets check the address they connect to (no DNS-rebinding window)", () => {
  const key = Buffer.alloc(32, 1).toString('base64');
  it.each([
    ['SAS URL', () => ({ container: 'terra', sas_url: `http://localhost:${port}/account/terra?sv=2024-01-01&sig=x` })],
    [
      'connection string',
      () => ({
        container: 'terra',
        connection_string: `DefaultEndpointsProtocol=http;AccountName=account;AccountKey=${key};BlobEndpoint=http://localhost:${port}/account`,
      }),
    ],
  ])('%s: a write straight through the SDK (no pre-check) is refused before connecting', async (_name, input) => {
    const { containerClient } = await import('../../src/delivery/destinations/azure-blob/azure-blob.ts');
    const container = containerClient(azureBlobDestination.parseConfig(input()), GUARDED);
    const before = connections;
    const body = Buffer.from('{}');
    await expect(container.getBlockBlobClient('guard.json').upload(body, body.byteLength)).rejects.toThrow(
      /refusing to send|private/,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections).toBe(before);
  });
});

describe('supabase storage follows no redirect', () => {
  it('a 3xx is the answer: the Location (an internal address) is never requested', async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const { storageClient } = await import('../../src/delivery/destinations/supabase/storage.ts');
    let internalHits = 0;
    const internal = createHttpServer((_request, response) => {
      internalHits++;
      response.end('{"secret":"metadata"}');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/latest/meta-data`;
    const redirecting = createHttpServer((_request, response) => {
      response.writeHead(307, { location: internalUrl });
      response.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const client = storageClient(
        `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`,
        'k'.repeat(40),
        3000,
      );
      await expect(client.upload('a/b.json', '{}')).rejects.toThrow(/HTTP 307/);
      expect(internalHits).toBe(0);
    } finally {
      await new Promise<void>((resolve) => internal.close(() => resolve()));
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });
});

describe("error text never carries an internal service's answer", () => {
  const SECRET = 'internal-admin-token-7f3a';
  let internal: HttpServer;
  let internalUrl: string;
  beforeAll(async () => {
    const { createServer: createHttpServer } = await import('node:http');
    internal = createHttpServer((request, response) => {
      request.resume();
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'Bucket not found', banner: `${SECRET} redis_version:7.2` }));
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => internal.close(() => resolve())));

  it("webhook: with private targets allowed, a private peer's body is not echoed (status only)", async () => {
    const { postOnce } = await import('../../src/delivery/destinations/webhook/sender.ts');
    const outcome = await postOnce({
      url: new URL(`${internalUrl}/hook`),
      headers: { 'content-type': 'application/json' },
      body: '{}',
      timeoutMs: ATTEMPT_BUDGET_MS,
      allowPrivateNetworks: true,
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.statusCode).toBe(500);
    expect(outcome.error).toMatch(/^HTTP 500/);
    expect(outcome.error).not.toContain(SECRET);
  });

  it('supabase storage: the same, and its logic still reads the body (bucket not found)', async () => {
    const { storageClient, StorageError } = await import('../../src/delivery/destinations/supabase/storage.ts');
    const client = storageClient(internalUrl, 'k'.repeat(40), ATTEMPT_BUDGET_MS);
    const error = await client.upload('a/b.json', '{}').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/HTTP 500/);
    expect((error as Error).message).not.toContain(SECRET);
    // "Bucket not found" in the body still marks the bucket for re-creation (status 404).
    expect((error as InstanceType<typeof StorageError>).status).toBe(404);
  });
});
