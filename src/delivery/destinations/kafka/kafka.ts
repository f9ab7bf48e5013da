import { connect as netConnect, isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import {
  Kafka,
  logLevel,
  Partitioners,
  type IHeaders,
  type ISocketFactory,
  type KafkaConfig,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import { assertPublicTargets } from '../network-guard.ts';
import { eventUserId } from '../object-key.ts';
import { verifyFailed } from '../parse-config.ts';
import { queueMessage } from '../queue-message.ts';
import { BlockedAddressError, guardedLookup, isPublicAddress } from '../ssrf.ts';
import type { DestinationImplementation } from '../lazy-destination.ts';
import type { KafkaDestinationConfig } from './kafka-config.ts';

const DEFAULT_TIMEOUT_MS = 30_000;

function kafkaClient(config: KafkaDestinationConfig, services: DestinationServices): Kafka {
  const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ssl =
    config.ssl === undefined || config.ssl === false
      ? undefined
      : config.ssl === true
        ? true
        : { ca: config.ssl.ca, servername: config.ssl.servername, rejectUnauthorized: config.ssl.reject_unauthorized };
  const options: KafkaConfig = {
    clientId: config.client_id,
    brokers: config.brokers,
    ...(ssl ? { ssl } : {}),
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
    connectionTimeout: Math.min(5_000, timeoutMs),
    authenticationTimeout: Math.min(10_000, timeoutMs),
    requestTimeout: timeoutMs,
    enforceRequestTimeout: true,
    // A couple of quick reconnects inside one attempt; the delivery machinery owns real retries.
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 },
    logLevel: logLevel.NOTHING,
    ...(services.allowPrivateNetworks === false ? { socketFactory: guardedSocketFactory } : {}),
  };
  return new Kafka(options);
}

/**
 * kafkajs's default socket factory, with the SSRF guard: names resolve through the guarded
 * lookup, and address literals (brokers advertised in metadata) are checked directly.
 */
const guardedSocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  if (isIP(host) && !isPublicAddress(host)) {
    const refused = new Socket();
    process.nextTick(() => refused.destroy(new BlockedAddressError(host, host)));
    return refused;
  }
  const socket = ssl
    ? tlsConnect({ host, port, servername: host, ...ssl, lookup: guardedLookup }, onConnect)
    : netConnect({ host, port, lookup: guardedLookup }, onConnect);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/** Headers a consumer can route and deduplicate on without parsing the value. */
export function recordHeaders(event: DestinationEvent, inline: boolean): IHeaders {
  const headers: IHeaders = {
    terra_event_type: event.type,
    terra_trace_id: event.traceId,
    terra_ordering_timestamp: String(event.orderingTimestamp),
    tributary_payload: inline ? 'inline' : 's3_payload',
  };
  const user = eventUserId(event);
  if (user) headers.terra_user_id = user;
  if (event.reference) headers.terra_reference = event.reference;
  return headers;
}

/** "KafkaJSConnectionError: Connection error: connect ECONNREFUSED 127.0.0.1:9092", with what a retry wrapper hides. */
export function kafkaReason(error: unknown): string {
  type Chain = { name?: string; message?: string; originalError?: unknown; cause?: unknown; apiName?: string };
  // apiName says which request the broker refused (e.g. SaslHandshake: the broker has no SASL).
  const describe = (e: Chain) =>
    `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message ?? ''}${e.apiName ? ` (${e.apiName})` : ''}`;
  const parts: string[] = [];
  let current = error as Chain | undefined;
  const seen = new Set<unknown>();
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const text = describe(current);
    // Skip kafkajs's retry wrapper ("…NumberOfRetriesExceeded") when it only repeats its cause.
    if (text && !parts.some((part) => part.includes(current!.message ?? '\u0000'))) parts.push(text);
    current = (current.originalError ?? current.cause) as Chain | undefined;
  }
  return (parts.join(' — caused by ') || String(error)).replace(/\s+/g, ' ').slice(0, 500);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The SDK-bound half of `kafka`: index.ts holds the definition and imports this module on first use. */
export const implementation: DestinationImplementation<KafkaDestinationConfig> = {
  open(config: KafkaDestinationConfig, services: DestinationServices): Destination {
    const kafka = kafkaClient(config, services);
    const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let producer: Producer | undefined;
    let connecting: Promise<Producer> | undefined;

    const connected = (): Promise<Producer> => {
      if (producer) return Promise.resolve(producer);
      connecting ??= (async () => {
        const fresh = kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          allowAutoTopicCreation: true,
        });
        try {
          await fresh.connect();
        } catch (error) {
          await fresh.disconnect().catch(() => undefined);
          throw error;
        }
        producer = fresh;
        return fresh;
      })().finally(() => {
        connecting = undefined;
      });
      return connecting;
    };
    // After a failure the connection state is unknown: start over on the next attempt.
    const reset = async () => {
      const stale = producer;
      producer = undefined;
      await stale?.disconnect().catch(() => undefined);
    };

    return {
      async deliver(event) {
        const user = eventUserId(event);
        const headers = recordHeaders(event, false);
        const reserved =
          512 +
          Buffer.byteLength(user ?? '') +
          Object.entries(headers).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(String(v)), 0);
        const message = queueMessage(event, services, {
          mode: config.payload_mode,
          maxBytes: config.max_message_bytes - reserved,
          urlTtlSeconds: config.payload_url_ttl_seconds,
        });
        if (!message.ok) return { ok: false, error: message.error, retryable: false };
        try {
          await withTimeout(
            (async () => {
              const ready = await connected();
              await ready.send({
                topic: config.topic,
                acks: -1,
                timeout: timeoutMs,
                messages: [
                  {
                    key: user,
                    value: message.body,
                    headers: recordHeaders(event, message.inline),
                    timestamp: String(event.orderingTimestamp),
                  },
                ],
              });
            })(),
            timeoutMs,
            'producing to Kafka',
          );
          return { ok: true };
        } catch (error) {
          await reset();
          return { ok: false, error: `produce to ${config.topic} failed: ${kafkaReason(error)}`, retryable: true };
        }
      },
      async close() {
        await connecting?.catch(() => undefined);
        await reset();
      },
    };
  },

  async verify(config: KafkaDestinationConfig, services: DestinationServices): Promise<void> {
    await assertPublicTargets(
      'kafka',
      config.brokers.map((broker) => `kafka://${broker}`),
      services,
      'config.brokers',
    );
    const admin = kafkaClient(config, services).admin();
    const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      // Connecting runs ApiVersions and the SASL handshake: bad credentials fail here.
      await withTimeout(admin.connect(), timeoutMs, 'connecting to the brokers');
      const cluster = await withTimeout(admin.describeCluster(), timeoutMs, 'DescribeCluster');
      if (cluster.brokers.length === 0) throw new Error('the cluster reported no brokers');
    } catch (error) {
      throw verifyFailed(
        'kafka',
        `brokers ${config.brokers.join(',')}: ${kafkaReason(error)}`,
        error,
        'config.brokers',
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};
