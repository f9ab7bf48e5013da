import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import { ENGINES } from '../helpers/engines.ts';
import { runApiFlow } from '../emulators/api-flow.ts';
import { TributaryError } from '../../src/core/errors.ts';
import {
  kafkaConfigSchema,
  kafkaDestination,
  type KafkaDestinationConfig,
} from '../../src/delivery/destinations/kafka/index.ts';
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
import { startKafkaMock, type KafkaMock, type TopicFollower } from '../emulators/kafka-mock/kafka-mock.ts';
import { QueueView } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/** The Kafka destination against librdkafka's mock cluster (real Kafka protocol), read back with kafkajs. */
describe('kafka destination (librdkafka mock cluster)', () => {
  let mock: KafkaMock;
  let payloads: PayloadServer;
  let topicCount = 0;
  const services = () => ({ ...payloads.services, timeoutMs: ATTEMPT_BUDGET_MS });

  beforeAll(async () => {
    [mock, payloads] = await Promise.all([startKafkaMock({ brokers: 1 }), startPayloadServer()]);
  });
  afterAll(async () => {
    await payloads?.close();
    await mock?.close();
  });

  async function freshConfig(extra: Record<string, unknown> = {}): Promise<KafkaDestinationConfig> {
    const topic = `tributary-${process.pid}-${++topicCount}`;
    await mock.createTopic(topic, 2);
    return kafkaDestination.parseConfig({ brokers: [mock.bootstrap], topic, ...extra });
  }

  async function verifyError(config: KafkaDestinationConfig): Promise<TributaryError> {
    const error = await kafkaDestination.verify(config, services()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as TributaryError).code).toBe('bad_request');
    return error as TributaryError;
  }

  it('validates the config, naming the bad field; the SASL block is the secret', () => {
    expect(kafkaDestination.secretFields).toEqual(['sasl']);
    const base = { brokers: ['broker-1.example.com:9092'], topic: 'terra-events' };
    expect(kafkaDestination.parseConfig(base)).toMatchObject({
      client_id: 'tributary',
      payload_mode: 'auto',
      max_message_bytes: 1_000_000,
    });
    expect(() => kafkaDestination.parseConfig({ ...base, brokers: [] })).toThrow(/config\.brokers/);
    expect(() => kafkaDestination.parseConfig({ ...base, brokers: ['no-port'] })).toThrow(
      /config\.brokers\.0: must be host:port/,
    );
    expect(() => kafkaDestination.parseConfig({ ...base, topic: 'bad topic' })).toThrow(/config\.topic/);
    expect(() =>
      kafkaDestination.parseConfig({ ...base, sasl: { mechanism: 'gssapi', username: 'u', password: 'p' } }),
    ).toThrow(/config\.sasl\.mechanism/);
    expect(
      kafkaDestination.parseConfig({
        ...base,
        ssl: true,
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
      }).sasl,
    ).toEqual({
      mechanism: 'scram-sha-512',
      username: 'u',
      password: 'p',
    });
  });

  it('verify: connects to the cluster; an unreachable broker, a broker that is down, or SASL the broker does not speak give bad_request with the reason', async () => {
    const config = await freshConfig();
    await kafkaDestination.verify(config, services());

    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const unreachable = await verifyError({ ...config, brokers: [`127.0.0.1:${closedPort}`] });
    expect(unreachable.message).toMatch(
      new RegExp(`kafka destination check failed: brokers 127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`),
    );
    expect(unreachable.details.parameter).toBe('config.brokers');

    await mock.down();
    try {
      expect((await verifyError(config)).message).toMatch(/Connection|ECONNRESET|closed|ECONNREFUSED/i);
    } finally {
      await mock.up();
    }

    // The mock cluster has no SASL: the handshake fails, and the reason says so.
    const sasl = await verifyError({
      ...config,
      sasl: { mechanism: 'plain', username: 'tributary', password: 'wrong' },
    });
    expect(sasl.message).toMatch(/does not support the requested API version \(SaslHandshake\)/);
  });

  it('delivers every event kind: value = the event, key = the user id, headers to route and deduplicate on', async () => {
    const config = await freshConfig();
    const destination = kafkaDestination.open(config, services());
    const events = eventsOfEveryKind();
    for (const event of Object.values(events)) expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    const messages = await mock.readMessages(config.topic, Object.keys(events).length);
    expect(messages.map((m) => m.value).sort()).toEqual(
      Object.values(events)
        .map((e) => e.body)
        .sort(),
    );
    const byValue = new Map(messages.map((m) => [m.value, m]));
    const activityRecord = byValue.get(events.activity.body)!;
    expect(activityRecord.key).toBe(TEST_USER.userId);
    expect(activityRecord.headers).toEqual({
      terra_event_type: 'activity',
      terra_trace_id: events.activity.traceId,
      terra_ordering_timestamp: String(events.activity.orderingTimestamp),
      terra_user_id: TEST_USER.userId,
      tributary_payload: 'inline',
    });
    expect(activityRecord.timestamp).toBe(String(events.activity.orderingTimestamp));
    // One user's events share a key, hence a partition (ordered); the healthcheck has no user and no key.
    const userRecords = messages.filter((m) => m.key === TEST_USER.userId);
    expect(userRecords).toHaveLength(5);
    expect(new Set(userRecords.map((m) => m.partition)).size).toBe(1);
    expect(byValue.get(events.healthcheck.body)!.key).toBeNull();
  });

  it("an event over the limit goes as Terra's s3_payload wrapper; inline mode refuses it; a redelivery appends a record with the same trace id", async () => {
    const config = await freshConfig({ max_message_bytes: 4096, payload_url_ttl_seconds: 900 });
    const destination = kafkaDestination.open(config, services());
    const big = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [
        activity('2026-03-12T06:00:00Z', 'big', {
          heart_rate_data: {
            detailed: { hr_samples: Array.from({ length: 300 }, (_, i) => ({ timestamp: `t${i}`, bpm: 120 })) },
          },
        }),
      ]),
    );
    payloads.register(big);
    expect(await destination.deliver(big)).toEqual({ ok: true });
    expect(await destination.deliver(big)).toEqual({ ok: true });
    await destination.close();
    expect(await mock.messageCount(config.topic)).toBe(2);
    const [first, second] = (await mock.readMessages(config.topic, 2)).sort(
      (a, b) => Number(a.offset) - Number(b.offset),
    );
    const wrapper = JSON.parse(first.value);
    expect(wrapper).toEqual({
      type: 's3_payload',
      status: 'success',
      url: expect.stringContaining('/payload/'),
      expires_in: 900,
    });
    expect(first.headers.tributary_payload).toBe('s3_payload');
    expect(await (await fetch(wrapper.url)).text()).toBe(big.body);
    expect(second.headers.terra_trace_id).toBe(first.headers.terra_trace_id);

    const strict = kafkaDestination.open({ ...config, payload_mode: 'inline' }, services());
    const outcome = await strict.deliver(big);
    await strict.close();
    expect(outcome).toMatchObject({ ok: false, retryable: false });
    expect(await mock.messageCount(config.topic)).toBe(2);
  });

  it('with private targets refused: verify refuses a loopback broker, and delivery refuses a name that resolves to one', async () => {
    const config = await freshConfig();
    const guarded = { ...services(), allowPrivateNetworks: false };
    const error = await kafkaDestination.verify(config, guarded).catch((e: unknown) => e);
    expect((error as TributaryError).message).toMatch(/refusing to send to 127\.0\.0\.1/);
    expect((error as TributaryError).details.parameter).toBe('config.brokers');
    const destination = kafkaDestination.open(
      { ...config, brokers: [mock.bootstrap.replace('127.0.0.1', 'localhost')] },
      guarded,
    );
    const outcome = await destination.deliver(eventsOfEveryKind().auth);
    await destination.close();
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(/refusing to send to localhost/);
    expect(await mock.messageCount(config.topic)).toBe(0);
  });

  it('broker down: a retryable failure with the reason, delivered once it is back', async () => {
    const config = await freshConfig();
    const destination = kafkaDestination.open(config, services());
    const event = eventsOfEveryKind().auth;
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await mock.down();
    let outcome;
    try {
      outcome = await destination.deliver(event);
    } finally {
      await mock.up();
    }
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(
      new RegExp(`produce to ${config.topic} failed: .*(Connection|closed|ECONNRESET|ECONNREFUSED|timed out)`, 'i'),
    );
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect(await mock.messageCount(config.topic)).toBe(2);
  });
});

destinationContract('kafka (librdkafka mock cluster)', async (): Promise<ContractTarget> => {
  const [mock, payloads] = await Promise.all([startKafkaMock({ brokers: 1 }), startPayloadServer()]);
  const topic = `contract-${process.pid}`;
  await mock.createTopic(topic, 3);
  // The mock has no SASL: `sasl` is listed, unset, because the contract checks that every
  // secret field name exists in the config.
  const config = { brokers: [mock.bootstrap], topic, sasl: undefined };
  const follower: TopicFollower = await mock.follow(topic);
  // A topic keeps every record; the view deduplicates on terra_trace_id as consumers are told to.
  const view = async () => {
    await follower.caughtUp();
    const queue = new QueueView();
    for (const message of follower.messages)
      queue.add({
        traceId: message.headers.terra_trace_id,
        type: message.headers.terra_event_type,
        body: message.value,
      });
    return queue;
  };
  return {
    definition: kafkaDestination as never,
    config,
    invalidConfig: { config: { ...config, brokers: ['no-port-here'] }, parameter: 'config.brokers.0' },
    badConfigs: [
      { name: 'nothing listening', config: { ...config, brokers: ['127.0.0.1:1'] }, message: /ECONNREFUSED/ },
      {
        name: 'SASL against a broker without it',
        config: { ...config, sasl: { mechanism: 'plain', username: 'u', password: 'p' } },
        message: /SaslHandshake/,
      },
    ],
    stored: async (event) => (await view()).stored(event),
    count: async () => (await view()).count(),
    outage: async () => {
      await mock.down();
      return () => mock.up();
    },
    services: { ...payloads.services, timeoutMs: ATTEMPT_BUDGET_MS },
    close: async () => {
      await follower.stop().catch(() => undefined);
      await payloads.close();
      await mock.close();
    },
  };
});

describe.each(ENGINES)('kafka through POST /v2/destinations on %s', (engine) => {
  it('refuses an unreachable broker with 400 and the reason, delivers stored data keyed by user', async () => {
    const mock = await startKafkaMock({ brokers: 1 });
    try {
      const topic = `api-${process.pid}`;
      await mock.createTopic(topic, 2);
      await runApiFlow(engine, {
        type: 'kafka',
        config: { brokers: [mock.bootstrap], topic },
        secretFields: ['sasl'],
        badConfig: { config: { brokers: ['127.0.0.1:1'], topic }, message: /ECONNREFUSED/ },
        delivered: async (userId, summaryId) => {
          if ((await mock.messageCount(topic)) < 1) return undefined;
          const [record] = await mock.readMessages(topic, 1);
          expect(record.key).toBe(userId);
          return record.value.includes(summaryId);
        },
      });
    } finally {
      await mock.close();
    }
  });
});

it('docs/destinations/kafka.md: the config table matches the schema', () => {
  expectDocsTableInSync('kafka', kafkaConfigSchema, kafkaDestination.secretFields);
});
