import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';

/**
 * librdkafka's mock Kafka cluster (Debian librdkafka-dev) through the tiny C helper next to
 * this file, compiled on first use into the temp dir (keyed by the source's hash). The
 * helper binds 127.0.0.1 on a random port, prints the bootstrap address and takes
 * `down` / `up` / `topic NAME N` commands on stdin. Kafka clients talk to it with the real
 * protocol (Produce, Fetch, Metadata, consumer groups; no CreateTopics, no SASL).
 */
const here = dirname(fileURLToPath(import.meta.url));

// Asynchronous on purpose: gcc takes over a minute on a loaded 2-core machine, and a test
// worker whose event loop is blocked that long misses vitest's 60 s RPC deadline
// ("[vitest-worker]: Timeout calling onTaskUpdate"), which fails the whole run.
export async function buildKafkaMock(): Promise<string> {
  const source = join(here, 'kafka-mock.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const binary = join(tmpdir(), `tributary-kafka-mock-${hash}`);
  if (!existsSync(binary)) {
    const { stderr } = await promisify(execFile)('bash', [join(here, 'build.sh'), binary]);
    if (stderr) process.stderr.write(stderr);
  }
  return binary;
}

export interface ReceivedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: string;
  headers: Record<string, string>;
  timestamp: string;
}

export interface KafkaMock {
  /** "127.0.0.1:<port>" */
  bootstrap: string;
  createTopic(name: string, partitions?: number): Promise<void>;
  /** Every broker disconnects and refuses connections, until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Messages in the topic (sum of its partitions' high watermarks). */
  messageCount(topic: string): Promise<number>;
  /** Reads the topic from the beginning with a fresh consumer group until `count` messages arrived. */
  readMessages(topic: string, count: number): Promise<ReceivedMessage[]>;
  /** A consumer that keeps reading the topic from the beginning into `messages`. */
  follow(topic: string): Promise<TopicFollower>;
  close(): Promise<void>;
}

export interface TopicFollower {
  messages: ReceivedMessage[];
  /** Resolves once every message the topic holds has been read. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKafkaMock(options: { brokers?: number; topics?: string[] } = {}): Promise<KafkaMock> {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const binary = await buildKafkaMock();
  const child: ChildProcessWithoutNullStreams = spawn(
    binary,
    [String(options.brokers ?? 1), ...(options.topics ?? [])],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr.resume();
  const lines = createInterface({ input: child.stdout });
  const pending: Array<(line: string) => void> = [];
  lines.on('line', (line) => pending.shift()?.(line));
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kafka-mock did not answer')), 10_000);
      pending.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const bootstrap = await Promise.race([
    nextLine(),
    exited.then(() => Promise.reject(new Error('kafka-mock exited before printing its address'))),
  ]);
  const command = async (line: string) => {
    const answer = nextLine();
    child.stdin.write(`${line}\n`);
    const result = await answer;
    if (result !== 'ok') throw new Error(`kafka-mock ${line}: ${result}`);
  };
  const kafka = new Kafka({ clientId: 'tributary-test-reader', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let adminConnected = false;
  let groups = 0;
  const mock: KafkaMock = {
    bootstrap,
    createTopic: (name, partitions = 1) => command(`topic ${name} ${partitions}`),
    down: () => command('down'),
    up: () => command('up'),
    async messageCount(topic) {
      if (!adminConnected) {
        await admin.connect();
        adminConnected = true;
      }
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
    },
    async readMessages(topic, count) {
      const consumer = kafka.consumer({
        groupId: `reader-${process.pid}-${++groups}`,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
      });
      const received: ReceivedMessage[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`read ${received.length} of ${count} messages from ${topic}`)),
            20_000,
          );
          consumer
            .run({
              eachMessage: async ({ partition, message }) => {
                received.push({
                  partition,
                  offset: message.offset,
                  key: message.key?.toString('utf8') ?? null,
                  value: message.value?.toString('utf8') ?? '',
                  headers: stringHeaders(message.headers),
                  timestamp: message.timestamp,
                });
                if (received.length >= count) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
      return received;
    },
    async follow(topic) {
      const consumer = kafka.consumer({
        groupId: `follower-${process.pid}-${++groups}`,
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
      });
      const messages: ReceivedMessage[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          messages.push({
            partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value: message.value?.toString('utf8') ?? '',
            headers: stringHeaders(message.headers),
            timestamp: message.timestamp,
          });
        },
      });
      const count = (name: string) => mock.messageCount(name);
      return {
        messages,
        async caughtUp() {
          const deadline = Date.now() + 20_000;
          for (;;) {
            const total = await count(topic);
            if (messages.length >= total) return;
            if (Date.now() > deadline)
              throw new Error(`follower read ${messages.length} of ${total} messages of ${topic}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        },
        stop: () => consumer.disconnect(),
      };
    },
    async close() {
      if (adminConnected) await admin.disconnect().catch(() => undefined);
      child.stdin.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
  return mock;
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  return out;
}
