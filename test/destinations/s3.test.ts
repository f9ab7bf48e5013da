import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { ENGINES } from '../helpers/engines.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { s3ConfigSchema, s3Destination, type S3DestinationConfig } from '../../src/delivery/destinations/s3/index.ts';
import { expectDocsTableInSync } from '../emulators/docs-table.ts';
import { TributaryError } from '../../src/core/errors.ts';
import {
  eventsOfEveryKind,
  startPayloadServer,
  TEST_USER,
  destinationEvent,
  activity,
  type PayloadServer,
} from '../emulators/destination-events.ts';
import { startFauxqs, type Fauxqs } from '../emulators/fauxqs/fauxqs.ts';
import { dataEvent } from '../../src/delivery/terra-events.ts';
import { storedObjects } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/** The S3 destination against fauxqs (a local S3 server), behind a SigV4 check and a down/up proxy. */
describe('s3 destination (fauxqs)', () => {
  let fauxqs: Fauxqs;
  let payloads: PayloadServer;
  let bucketCount = 0;
  const U = TEST_USER.userId;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    payloads = await startPayloadServer();
  });
  afterAll(async () => {
    await payloads?.close();
    await fauxqs?.close();
  });

  async function freshConfig(extra: Partial<S3DestinationConfig> = {}): Promise<S3DestinationConfig> {
    const bucket = `tributary-s3-${process.pid}-${++bucketCount}`;
    await fauxqs.createBucket(bucket);
    return s3Destination.parseConfig({
      bucket,
      region: fauxqs.region,
      access_key_id: fauxqs.credentials.accessKeyId,
      secret_access_key: fauxqs.credentials.secretAccessKey,
      endpoint: fauxqs.endpoint,
      force_path_style: true,
      ...extra,
    });
  }

  async function verifyError(config: S3DestinationConfig): Promise<TributaryError> {
    const error = await s3Destination.verify(config, payloads.services).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('bad_request');
    return error as TributaryError;
  }

  it('validates the config, naming the bad field, and lists the secret', () => {
    expect(s3Destination.secretFields).toEqual(['secret_access_key']);
    expect(() =>
      s3Destination.parseConfig({ region: 'eu-west-2', access_key_id: 'a', secret_access_key: 'b' }),
    ).toThrow(/config\.bucket/);
    expect(() =>
      s3Destination.parseConfig({
        bucket: 'ok-bucket',
        region: 'eu-west-2',
        access_key_id: 'a',
        secret_access_key: 'b',
        endpoint: 'ftp://x',
      }),
    ).toThrow(/config\.endpoint/);
    expect(() =>
      s3Destination.parseConfig({
        bucket: 'ok-bucket',
        region: 'eu-west-2',
        access_key_id: 'a',
        secret_access_key: 'b',
        extra: 1,
      }),
    ).toThrow(/config/);
    try {
      s3Destination.parseConfig({ bucket: 'a/b', region: 'eu-west-2', access_key_id: 'a', secret_access_key: 'b' });
      expect.unreachable();
    } catch (error) {
      expect((error as TributaryError).details.parameter).toBe('config.bucket');
    }
  });

  it('verify: a real write succeeds and leaves nothing behind', async () => {
    const config = await freshConfig({ prefix: 'exports/' });
    await s3Destination.verify(config, payloads.services);
    expect(await fauxqs.listKeys(config.bucket)).toEqual([]);
  });

  it('verify: a wrong secret, an unknown key, a missing bucket and an unreachable endpoint each give bad_request with the reason', async () => {
    const config = await freshConfig();
    expect((await verifyError({ ...config, secret_access_key: 'wrong' })).message).toMatch(
      /SignatureDoesNotMatch.*403/,
    );
    expect((await verifyError({ ...config, access_key_id: 'AKIANOBODY' })).message).toMatch(/InvalidAccessKeyId.*403/);
    expect((await verifyError({ ...config, bucket: 'no-such-bucket-here' })).message).toMatch(/NoSuchBucket.*404/);
    await fauxqs.down();
    try {
      expect((await verifyError(config)).message).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await fauxqs.up();
    }
  });

  it("delivers every event kind under Terra's keys", async () => {
    const config = await freshConfig();
    const destination = s3Destination.open(config, payloads.services);
    const events = eventsOfEveryKind();
    for (const event of Object.values(events)) expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    const stamp = (name: keyof typeof events) => new Date(events[name].orderingTimestamp).toISOString();
    expect(await fauxqs.listKeys(config.bucket)).toEqual(
      [
        `2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`,
        `2022-03-16/activity/${U}-2026-03-13T06:00:00.000000+00:00.json`,
        `2022-03-16/athlete/${U}.json`,
        `2022-03-16/auth/${U}-${stamp('auth')}.json`,
        `2022-03-16/deauth/${U}-${stamp('deauth')}.json`,
        `2022-03-16/healthcheck/${stamp('healthcheck')}.json`,
        `2022-03-16/sleep/${U}-2026-03-11T22:10:00.000000+00:00.json`,
      ].sort(),
    );
    // One record per object, still a Terra event: {type, user, data:[record], version}.
    const first = await fauxqs.getObject(
      config.bucket,
      `2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`,
    );
    expect(first.contentType).toBe('application/json');
    const parsed = JSON.parse(first.body.toString('utf8'));
    expect(parsed).toMatchObject({ type: 'activity', user: { user_id: U }, version: '2022-03-16' });
    expect(parsed.data).toEqual([events.activity.payload.data && (events.activity.payload.data as unknown[])[0]]);
    // A single-record event is stored byte for byte as rendered.
    const sleep = await fauxqs.getObject(config.bucket, `2022-03-16/sleep/${U}-2026-03-11T22:10:00.000000+00:00.json`);
    expect(sleep.body.toString('utf8')).toBe(events.sleep.body);
    const auth = await fauxqs.getObject(config.bucket, `2022-03-16/auth/${U}-${stamp('auth')}.json`);
    expect(auth.body.toString('utf8')).toBe(events.auth.body);
  });

  it('redelivery and updated records overwrite the same keys (no duplicates); the prefix is honoured', async () => {
    const config = await freshConfig({ prefix: '/tenant-a/' });
    const destination = s3Destination.open(config, payloads.services);
    const event = eventsOfEveryKind().activity;
    expect(await destination.deliver(event)).toEqual({ ok: true });
    expect(await destination.deliver(event)).toEqual({ ok: true });
    const updated = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [
        activity('2026-03-12T06:00:00.000000+00:00', 'log-1', { calories_data: { total_burned_calories: 321 } }),
      ]),
    );
    expect(await destination.deliver(updated)).toEqual({ ok: true });
    await destination.close();
    const keys = await fauxqs.listKeys(config.bucket);
    expect(keys).toEqual([
      `tenant-a/2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`,
      `tenant-a/2022-03-16/activity/${U}-2026-03-13T06:00:00.000000+00:00.json`,
    ]);
    const latest = await fauxqs.getObject(config.bucket, keys[0]);
    expect(latest.body.toString('utf8')).toBe(updated.body);
  });

  it('format FIT: writes the FIT file beside the JSON, byte for byte', async () => {
    const config = await freshConfig();
    const destination = s3Destination.open(config, payloads.fitServices);
    const event = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [activity('2026-03-12T06:00:00Z', 'log-9')]),
    );
    const fit = Uint8Array.from([14, 16, 0x5d, 0x08, 0x22, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54, 1, 2, 3]);
    payloads.register(event, fit);
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect(await fauxqs.listKeys(config.bucket)).toEqual([
      `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.fit`,
      `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.json`,
    ]);
    const stored = await fauxqs.getObject(config.bucket, `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.fit`);
    expect(new Uint8Array(stored.body)).toEqual(fit);
    expect(stored.contentType).toBe('application/vnd.ant.fit');
  });

  it('server down: the delivery fails as retryable with the reason, and succeeds once it is back', async () => {
    const config = await freshConfig();
    const destination = s3Destination.open(config, payloads.services);
    const event = eventsOfEveryKind().deauth;
    await fauxqs.down();
    let outcome;
    try {
      outcome = await destination.deliver(event);
    } finally {
      await fauxqs.up();
    }
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(/PutObject s3:\/\/.*ECONNREFUSED|socket|connect/i);
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect(await fauxqs.listKeys(config.bucket)).toHaveLength(1);
  });

  it('with private targets refused (TRIBUTARY_WEBHOOK_ALLOW_PRIVATE=false): verify refuses a loopback endpoint, and delivery refuses a name that resolves to one', async () => {
    const config = await freshConfig();
    const guarded = { ...payloads.services, allowPrivateNetworks: false };
    const error = await s3Destination.verify(config, guarded).catch((e: unknown) => e);
    expect((error as TributaryError).code).toBe('bad_request');
    expect((error as TributaryError).message).toMatch(/refusing to send to 127\.0\.0\.1/);
    expect((error as TributaryError).details.parameter).toBe('config.endpoint');
    const destination = s3Destination.open(
      { ...config, endpoint: fauxqs.endpoint.replace('127.0.0.1', 'localhost') },
      guarded,
    );
    const outcome = await destination.deliver(eventsOfEveryKind().auth);
    await destination.close();
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(/refusing to send to localhost/);
    expect(await fauxqs.listKeys(config.bucket)).toEqual([]);
  });

  it('bad credentials at delivery time: a failed outcome naming the S3 error', async () => {
    const config = await freshConfig();
    const destination = s3Destination.open({ ...config, secret_access_key: 'rotated-away' }, payloads.services);
    const outcome = await destination.deliver(eventsOfEveryKind().auth);
    await destination.close();
    expect(outcome).toMatchObject({ ok: false, statusCode: 403 });
    expect(outcome.ok === false && outcome.error).toMatch(/SignatureDoesNotMatch/);
    expect(await fauxqs.listKeys(config.bucket)).toEqual([]);
  });
});

destinationContract('s3 (fauxqs)', async (): Promise<ContractTarget> => {
  const [fauxqs, payloads] = await Promise.all([startFauxqs(), startPayloadServer()]);
  const bucket = `tributary-contract-${process.pid}`;
  await fauxqs.createBucket(bucket);
  const config = {
    bucket,
    region: fauxqs.region,
    access_key_id: fauxqs.credentials.accessKeyId,
    secret_access_key: fauxqs.credentials.secretAccessKey,
    endpoint: fauxqs.endpoint,
    force_path_style: true,
    prefix: 'contract',
  };
  const read = (key: string) =>
    fauxqs.getObject(bucket, key).then(
      (object) => object.body,
      () => undefined,
    );
  return {
    definition: s3Destination as never,
    config,
    invalidConfig: { config: { ...config, region: 'Not A Region' }, parameter: 'config.region' },
    badConfigs: [
      {
        name: 'wrong secret',
        config: { ...config, secret_access_key: 'wrong' },
        message: /SignatureDoesNotMatch \(HTTP 403\)/,
      },
      {
        name: 'unknown access key',
        config: { ...config, access_key_id: 'AKIAUNKNOWN' },
        message: /InvalidAccessKeyId \(HTTP 403\)/,
      },
      { name: 'missing bucket', config: { ...config, bucket: 'no-such-bucket' }, message: /NoSuchBucket \(HTTP 404\)/ },
      { name: 'nothing listening', config: { ...config, endpoint: 'http://127.0.0.1:1' }, message: /ECONNREFUSED/ },
    ],
    stored: (event) => storedObjects(event, read, 'contract/'),
    count: async () => (await fauxqs.listKeys(bucket)).length,
    outage: async () => {
      await fauxqs.down();
      return () => fauxqs.up();
    },
    services: { ...payloads.services, timeoutMs: ATTEMPT_BUDGET_MS },
    close: async () => {
      await payloads.close();
      await fauxqs.close();
    },
  };
});

describe.each(ENGINES)('s3 through POST /v2/destinations on %s', (engine) => {
  it('refuses bad credentials with 400 and the reason, hides the secret, delivers stored data', async () => {
    const fauxqs = await startFauxqs();
    try {
      const bucket = `tributary-api-${process.pid}`;
      await fauxqs.createBucket(bucket);
      const config = {
        bucket,
        region: fauxqs.region,
        access_key_id: fauxqs.credentials.accessKeyId,
        secret_access_key: fauxqs.credentials.secretAccessKey,
        endpoint: fauxqs.endpoint,
      };
      await runApiFlow(engine, {
        type: 's3',
        config,
        secretFields: ['secret_access_key'],
        badConfig: { config: { ...config, secret_access_key: 'not-the-secret' }, message: /SignatureDoesNotMatch/ },
        delivered: async (userId, summaryId) => {
          const keys = (await fauxqs.listKeys(bucket)).filter((key) =>
            key.startsWith(`2022-03-16/activity/${userId}-`),
          );
          for (const key of keys)
            if ((await fauxqs.getObject(bucket, key)).body.toString('utf8').includes(summaryId)) return key;
          return undefined;
        },
      });
    } finally {
      await fauxqs.close();
    }
  });
});

it('docs/destinations/s3.md: the config table matches the schema', () => {
  expectDocsTableInSync('s3', s3ConfigSchema, s3Destination.secretFields);
});
