import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { ENGINES } from '../helpers/engines.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { TributaryError } from '../../src/core/errors.ts';
import {
  sqsConfigSchema,
  sqsDestination,
  type SqsDestinationConfig,
} from '../../src/delivery/destinations/sqs/index.ts';
import { expectDocsTableInSync } from '../emulators/docs-table.ts';
import { dataEvent } from '../../src/delivery/terra-events.ts';
import {
  activity,
  destinationEvent,
  eventsOfEveryKind,
  startPayloadServer,
  TEST_USER,
  type PayloadServer,
} from '../emulators/destination-events.ts';
import { startFauxqs, type Fauxqs } from '../emulators/fauxqs/fauxqs.ts';
import { QueueView } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/** The SQS destination against fauxqs (a local SQS server), behind a SigV4 check and a down/up proxy. */
describe('sqs destination (fauxqs)', () => {
  let fauxqs: Fauxqs;
  let payloads: PayloadServer;
  let queueCount = 0;

  beforeAll(async () => {
    fauxqs = await startFauxqs();
    payloads = await startPayloadServer();
  });
  afterAll(async () => {
    await payloads?.close();
    await fauxqs?.close();
  });

  async function freshConfig(extra: Record<string, unknown> = {}, fifo = false): Promise<SqsDestinationConfig> {
    const name = `tributary-${process.pid}-${++queueCount}${fifo ? '.fifo' : ''}`;
    const queueUrl = await fauxqs.createQueue(name, fifo ? { FifoQueue: 'true' } : undefined);
    return sqsDestination.parseConfig({
      queue_url: queueUrl,
      region: fauxqs.region,
      access_key_id: fauxqs.credentials.accessKeyId,
      secret_access_key: fauxqs.credentials.secretAccessKey,
      endpoint: fauxqs.endpoint,
      ...extra,
    });
  }

  async function verifyError(config: SqsDestinationConfig): Promise<string> {
    const error = await sqsDestination.verify(config, payloads.services).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('bad_request');
    return (error as TributaryError).message;
  }

  it('validates the config, naming the bad field', () => {
    expect(sqsDestination.secretFields).toEqual(['secret_access_key']);
    const base = {
      queue_url: 'https://sqs.eu-west-2.amazonaws.com/123456789012/q',
      region: 'eu-west-2',
      access_key_id: 'a',
      secret_access_key: 'b',
    };
    expect(sqsDestination.parseConfig(base)).toMatchObject({
      payload_mode: 'auto',
      max_message_bytes: 262_144,
      payload_url_ttl_seconds: 600,
    });
    expect(() => sqsDestination.parseConfig({ ...base, queue_url: 'https://sqs.example.com/' })).toThrow(
      /config\.queue_url/,
    );
    expect(() => sqsDestination.parseConfig({ ...base, payload_mode: 'push' })).toThrow(/config\.payload_mode/);
    expect(() => sqsDestination.parseConfig({ ...base, max_message_bytes: 5_000_000 })).toThrow(
      /config\.max_message_bytes/,
    );
    expect(() => sqsDestination.parseConfig({ ...base, secret_access_key: undefined })).toThrow(
      /config\.secret_access_key/,
    );
  });

  it('verify: passes with the right key; a wrong secret, unknown key, missing queue or unreachable endpoint give the reason', async () => {
    const config = await freshConfig();
    await sqsDestination.verify(config, payloads.services);
    expect(await verifyError({ ...config, secret_access_key: 'wrong' })).toMatch(
      /GetQueueUrl .*SignatureDoesNotMatch|InvalidSignature/,
    );
    expect(await verifyError({ ...config, access_key_id: 'AKIANOBODY' })).toMatch(
      /InvalidClientTokenId|UnrecognizedClient/,
    );
    expect(await verifyError({ ...config, queue_url: `${fauxqs.endpoint}/000000000000/no-such-queue` })).toMatch(
      /NonExistentQueue|QueueDoesNotExist/,
    );
    await fauxqs.down();
    try {
      expect(await verifyError(config)).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await fauxqs.up();
    }
    expect(await fauxqs.drainMessages(config.queue_url)).toEqual([]);
  });

  it('delivers every event kind inline, with attributes to route and deduplicate on', async () => {
    const config = await freshConfig();
    const destination = sqsDestination.open(config, payloads.services);
    const events = eventsOfEveryKind();
    for (const event of Object.values(events)) expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    const messages = await fauxqs.drainMessages(config.queue_url);
    expect(messages.map((m) => m.Body).sort()).toEqual(
      Object.values(events)
        .map((e) => e.body)
        .sort(),
    );
    const activityMessage = messages.find((m) => m.Body === events.activity.body)!;
    expect(activityMessage.MessageAttributes).toMatchObject({
      terra_event_type: { DataType: 'String', StringValue: 'activity' },
      terra_trace_id: { StringValue: events.activity.traceId },
      terra_user_id: { StringValue: TEST_USER.userId },
      tributary_payload: { StringValue: 'inline' },
    });
    const healthcheck = messages.find((m) => m.Body === events.healthcheck.body)!;
    expect(healthcheck.MessageAttributes?.terra_user_id).toBeUndefined();
  });

  it("an event over the limit goes as Terra's s3_payload wrapper whose URL serves the event (auto); s3_payload mode always wraps; inline mode refuses", async () => {
    const big = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [
        activity('2026-03-12T06:00:00Z', 'big', {
          heart_rate_data: {
            detailed: {
              hr_samples: Array.from({ length: 20_000 }, (_, i) => ({ timestamp: `t${i}`, bpm: 100 + (i % 50) })),
            },
          },
        }),
      ]),
    );
    expect(Buffer.byteLength(big.body)).toBeGreaterThan(262_144);
    payloads.register(big);

    const auto = await freshConfig();
    const destination = sqsDestination.open(auto, payloads.services);
    expect(await destination.deliver(big)).toEqual({ ok: true });
    await destination.close();
    const [message] = await fauxqs.drainMessages(auto.queue_url);
    const wrapper = JSON.parse(message.Body!);
    expect(wrapper).toEqual({
      type: 's3_payload',
      status: 'success',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/payload\//),
      expires_in: 600,
    });
    expect(message.MessageAttributes?.tributary_payload?.StringValue).toBe('s3_payload');
    const fetched = await fetch(wrapper.url);
    expect(await fetched.text()).toBe(big.body);

    const always = await freshConfig({ payload_mode: 's3_payload', payload_url_ttl_seconds: 3600 });
    const wrapping = sqsDestination.open(always, payloads.services);
    const small = eventsOfEveryKind().sleep;
    expect(await wrapping.deliver(small)).toEqual({ ok: true });
    await wrapping.close();
    const [wrapped] = await fauxqs.drainMessages(always.queue_url);
    expect(JSON.parse(wrapped.Body!)).toMatchObject({ type: 's3_payload', status: 'success', expires_in: 3600 });

    const inline = await freshConfig({ payload_mode: 'inline' });
    const strict = sqsDestination.open(inline, payloads.services);
    const outcome = await strict.deliver(big);
    await strict.close();
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(outcome.ok === false && outcome.error).toMatch(/over the \d+-byte message limit/);
    expect(await fauxqs.drainMessages(inline.queue_url)).toEqual([]);
  });

  it('FIFO queue: a redelivery of the same event is dropped by SQS deduplication; each user is one message group', async () => {
    const config = await freshConfig({}, true);
    const destination = sqsDestination.open(config, payloads.services);
    const event = eventsOfEveryKind().auth;
    expect(await destination.deliver(event)).toEqual({ ok: true });
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    const messages = await fauxqs.drainMessages(config.queue_url);
    expect(messages).toHaveLength(1);
    expect(messages[0].Attributes?.MessageGroupId).toBe(TEST_USER.userId);
  });

  it('server down: a retryable failure with the reason, delivered once it is back', async () => {
    const config = await freshConfig();
    const destination = sqsDestination.open(config, payloads.services);
    const event = eventsOfEveryKind().deauth;
    await fauxqs.down();
    let outcome;
    try {
      outcome = await destination.deliver(event);
    } finally {
      await fauxqs.up();
    }
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(/SendMessage .*(ECONNREFUSED|socket|connect)/i);
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect((await fauxqs.drainMessages(config.queue_url)).map((m) => m.Body)).toEqual([event.body]);
  });

  it('with private targets refused: verify refuses a loopback endpoint', async () => {
    const config = await freshConfig();
    const error = await sqsDestination
      .verify(config, { ...payloads.services, allowPrivateNetworks: false })
      .catch((e: unknown) => e);
    expect((error as TributaryError).message).toMatch(/refusing to send to 127\.0\.0\.1/);
    expect((error as TributaryError).details.parameter).toBe('config.endpoint');
  });

  it('bad credentials at delivery time: a failed outcome naming the SQS error', async () => {
    const config = await freshConfig();
    const destination = sqsDestination.open({ ...config, access_key_id: 'AKIAREVOKED' }, payloads.services);
    const outcome = await destination.deliver(eventsOfEveryKind().auth);
    await destination.close();
    expect(outcome).toMatchObject({ ok: false, statusCode: 400 });
    expect(outcome.ok === false && outcome.error).toMatch(/InvalidClientTokenId|UnrecognizedClient/);
  });
});

destinationContract('sqs (fauxqs)', async (): Promise<ContractTarget> => {
  const [fauxqs, payloads] = await Promise.all([startFauxqs(), startPayloadServer()]);
  const queueUrl = await fauxqs.createQueue(`tributary-contract-${process.pid}`);
  const config = {
    queue_url: queueUrl,
    region: fauxqs.region,
    access_key_id: fauxqs.credentials.accessKeyId,
    secret_access_key: fauxqs.credentials.secretAccessKey,
    endpoint: fauxqs.endpoint,
  };
  // A standard queue keeps every message; the view deduplicates on terra_trace_id as consumers are told to.
  const view = new QueueView();
  const drain = async () => {
    for (const message of await fauxqs.drainMessages(queueUrl)) {
      view.add({
        traceId: message.MessageAttributes!.terra_trace_id.StringValue!,
        type: message.MessageAttributes!.terra_event_type.StringValue!,
        body: message.Body!,
      });
    }
  };
  return {
    definition: sqsDestination as never,
    config,
    invalidConfig: { config: { ...config, payload_mode: 'sometimes' }, parameter: 'config.payload_mode' },
    badConfigs: [
      {
        name: 'wrong secret',
        config: { ...config, secret_access_key: 'wrong' },
        message: /SignatureDoesNotMatch|InvalidSignature/,
      },
      {
        name: 'unknown access key',
        config: { ...config, access_key_id: 'AKIAUNKNOWN' },
        message: /InvalidClientTokenId|UnrecognizedClient/,
      },
      {
        name: 'missing queue',
        config: { ...config, queue_url: queueUrl.replace(/[^/]+$/, 'no-such-queue') },
        message: /NonExistentQueue|QueueDoesNotExist/,
      },
      { name: 'nothing listening', config: { ...config, endpoint: 'http://127.0.0.1:1' }, message: /ECONNREFUSED/ },
    ],
    stored: async (event) => {
      await drain();
      return view.stored(event);
    },
    count: async () => {
      await drain();
      return view.count();
    },
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

describe.each(ENGINES)('sqs through POST /v2/destinations on %s', (engine) => {
  it('refuses bad credentials with 400 and the reason, hides the secret, delivers stored data', async () => {
    const fauxqs = await startFauxqs();
    try {
      const queueUrl = await fauxqs.createQueue(`tributary-api-${process.pid}`);
      const config = {
        queue_url: queueUrl,
        region: fauxqs.region,
        access_key_id: fauxqs.credentials.accessKeyId,
        secret_access_key: fauxqs.credentials.secretAccessKey,
        endpoint: fauxqs.endpoint,
      };
      const received: string[] = [];
      await runApiFlow(engine, {
        type: 'sqs',
        config,
        secretFields: ['secret_access_key'],
        badConfig: {
          config: { ...config, access_key_id: 'AKIANOTAKEY' },
          message: /InvalidClientTokenId|UnrecognizedClient/,
        },
        delivered: async (userId, summaryId) => {
          for (const message of await fauxqs.drainMessages(queueUrl)) received.push(message.Body!);
          return received.find((body) => body.includes(summaryId) && body.includes(userId));
        },
      });
    } finally {
      await fauxqs.close();
    }
  });
});

it('docs/destinations/sqs.md: the config table matches the schema', () => {
  expectDocsTableInSync('sqs', sqsConfigSchema, sqsDestination.secretFields);
});
