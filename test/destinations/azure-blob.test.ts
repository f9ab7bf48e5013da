import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { ENGINES } from '../helpers/engines.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { TributaryError } from '../../src/core/errors.ts';
import {
  azureBlobConfigSchema,
  azureBlobDestination,
  type AzureBlobDestinationConfig,
} from '../../src/delivery/destinations/azure-blob/index.ts';
import { expectDocsTableInSync } from '../emulators/docs-table.ts';
import { eventsOfEveryKind, startPayloadServer, type PayloadServer } from '../emulators/destination-events.ts';
import { startAzurite, type Azurite } from '../emulators/azurite/azurite.ts';

// One Azurite for the whole file (each suite uses its own containers): it takes ~1 s to start.
let shared: Promise<Azurite> | undefined;
const sharedAzurite = () => (shared ??= startAzurite());
afterAll(async () => {
  await (await shared)?.close();
});
import { objectStoreCases } from '../emulators/object-store-cases.ts';
import { storedObjects } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/** The Azure Blob destination against Azurite, which checks Shared Key and SAS signatures as Azure does. */
describe('azure_blob destination (azurite)', () => {
  let azurite: Azurite;
  let payloads: PayloadServer;
  let containerCount = 0;

  beforeAll(async () => {
    [azurite, payloads] = await Promise.all([sharedAzurite(), startPayloadServer()]);
  });
  afterAll(async () => {
    await payloads?.close();
  });

  async function freshContainer(): Promise<string> {
    const name = `tributary-${process.pid}-${++containerCount}`;
    await azurite.createContainer(name);
    return name;
  }

  describe('with a connection string', () => {
    objectStoreCases<AzureBlobDestinationConfig>({
      definition: azureBlobDestination,
      payloads: () => payloads,
      freshConfig: async (extra = {}) =>
        azureBlobDestination.parseConfig({
          container: await freshContainer(),
          connection_string: azurite.connectionString(),
          ...extra,
        }),
      listKeys: (config) => azurite.listBlobs(config.container),
      getObject: (config, key) => azurite.getBlob(config.container, key),
      down: () => azurite.down(),
      up: () => azurite.up(),
      badConfigs: (config) => [
        {
          name: 'wrong account key',
          config: { ...config, connection_string: azurite.connectionString(Buffer.alloc(64, 7).toString('base64')) },
          reason: /(AuthenticationFailed|AuthorizationFailure) \(HTTP 403\): Server failed to authenticate/,
        },
        {
          name: 'missing container',
          config: { ...config, container: 'no-such-container' },
          reason: /ContainerNotFound \(HTTP 404\)/,
        },
      ],
      downReason: /ECONNREFUSED|ECONNRESET|socket|connect/i,
    });
  });

  describe('with a SAS URL', () => {
    it('delivers with a container SAS that may only create and write', async () => {
      const container = await freshContainer();
      const config = azureBlobDestination.parseConfig({ container, sas_url: azurite.containerSasUrl(container, 'cw') });
      await azureBlobDestination.verify(config, payloads.services);
      const destination = azureBlobDestination.open(config, payloads.services);
      const event = eventsOfEveryKind().sleep;
      expect(await destination.deliver(event)).toEqual({ ok: true });
      expect(await destination.deliver(event)).toEqual({ ok: true });
      await destination.close();
      const blobs = await azurite.listBlobs(container);
      // The verify blob stays: a create+write SAS may not delete it.
      expect(blobs).toEqual([
        expect.stringMatching(/^2022-03-16\/sleep\/.+\.json$/),
        'tributary-connection-check.json',
      ]);
      expect((await azurite.getBlob(container, blobs[0])).body.toString('utf8')).toBe(event.body);
    });

    it('a read-only SAS fails verify with the reason', async () => {
      const container = await freshContainer();
      const config = azureBlobDestination.parseConfig({ container, sas_url: azurite.containerSasUrl(container, 'r') });
      const error = await azureBlobDestination.verify(config, payloads.services).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TributaryError);
      expect((error as TributaryError).message).toMatch(/AuthorizationPermissionMismatch|AuthorizationFailure|403/);
    });
  });

  it('with private targets refused: verify refuses a loopback blob endpoint', async () => {
    const config = azureBlobDestination.parseConfig({
      container: await freshContainer(),
      connection_string: azurite.connectionString(),
    });
    const error = await azureBlobDestination
      .verify(config, { ...payloads.services, allowPrivateNetworks: false })
      .catch((e: unknown) => e);
    expect((error as TributaryError).message).toMatch(/refusing to send to 127\.0\.0\.1/);
    expect((error as TributaryError).details.parameter).toBe('config.connection_string');
  });

  it('validates the config: exactly one credential, a valid container name', () => {
    expect(azureBlobDestination.secretFields).toEqual(['connection_string', 'sas_url']);
    expect(() => azureBlobDestination.parseConfig({ container: 'ok-container' })).toThrow(
      /exactly one of connection_string or sas_url/,
    );
    expect(() =>
      azureBlobDestination.parseConfig({
        container: 'ok-container',
        connection_string: azurite.connectionString(),
        sas_url: 'https://a.blob.core.windows.net/c?sv=1&sig=x',
      }),
    ).toThrow(/exactly one/);
    expect(() =>
      azureBlobDestination.parseConfig({ container: 'Bad_Name', connection_string: azurite.connectionString() }),
    ).toThrow(/config\.container/);
    expect(() =>
      azureBlobDestination.parseConfig({ container: 'ok-container', sas_url: 'https://a.blob.core.windows.net/c' }),
    ).toThrow(/config\.sas_url/);
  });
});

destinationContract('azure_blob (azurite)', async (): Promise<ContractTarget> => {
  const [azurite, payloads] = await Promise.all([sharedAzurite(), startPayloadServer()]);
  const container = `contract-${process.pid}`;
  await azurite.createContainer(container);
  // The two credentials are alternatives (exactly one is given); `sas_url` is listed, unset,
  // because the contract checks that every secret field name exists in the config.
  const config = { container, connection_string: azurite.connectionString(), sas_url: undefined, prefix: 'contract' };
  const read = (key: string) =>
    azurite.getBlob(container, key).then(
      (blob) => blob.body,
      () => undefined,
    );
  return {
    definition: azureBlobDestination as never,
    config,
    invalidConfig: { config: { ...config, container: 'UPPER_case' }, parameter: 'config.container' },
    badConfigs: [
      {
        name: 'wrong account key',
        config: { ...config, connection_string: azurite.connectionString(Buffer.alloc(64, 1).toString('base64')) },
        message: /Server failed to authenticate/,
      },
      {
        name: 'read-only SAS',
        config: { container, sas_url: azurite.containerSasUrl(container, 'r') },
        message: /403/,
      },
      {
        name: 'missing container',
        config: { ...config, container: 'no-such-container' },
        message: /ContainerNotFound \(HTTP 404\)/,
      },
      {
        name: 'nothing listening',
        config: { ...config, connection_string: azurite.connectionString().replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1') },
        message: /ECONNREFUSED/,
      },
    ],
    stored: (event) => storedObjects(event, read, 'contract/'),
    count: async () => (await azurite.listBlobs(container)).length,
    outage: async () => {
      await azurite.down();
      return () => azurite.up();
    },
    services: { ...payloads.services, timeoutMs: ATTEMPT_BUDGET_MS },
    close: async () => {
      await payloads.close();
    },
  };
});

describe.each(ENGINES)('azure_blob through POST /v2/destinations on %s', (engine) => {
  it('refuses a wrong key with 400 and the reason, hides the secret, delivers stored data', async () => {
    const azurite = await sharedAzurite();
    const container = `api-${engine}-${process.pid}`;
    await azurite.createContainer(container);
    const config = { container, connection_string: azurite.connectionString() };
    await runApiFlow(engine, {
      type: 'azure_blob',
      config,
      secretFields: ['connection_string'],
      badConfig: {
        config: { container, connection_string: azurite.connectionString(Buffer.alloc(64, 9).toString('base64')) },
        message: /Server failed to authenticate/,
      },
      delivered: async (userId, summaryId) => {
        const names = (await azurite.listBlobs(container)).filter((name) =>
          name.startsWith(`2022-03-16/activity/${userId}-`),
        );
        for (const name of names)
          if ((await azurite.getBlob(container, name)).body.toString('utf8').includes(summaryId)) return name;
        return undefined;
      },
    });
  });
});

it('docs/destinations/azure-blob.md: the config table matches the schema', () => {
  expectDocsTableInSync('azure-blob', azureBlobConfigSchema, azureBlobDestination.secretFields);
});
