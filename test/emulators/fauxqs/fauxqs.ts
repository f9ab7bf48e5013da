import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { TcpProxy } from '../tcp-proxy.ts';
import { startSigV4Gate } from './sigv4-gate.ts';

/**
 * fauxqs (S3 + SQS) on 127.0.0.1, built in-process with `buildApp` (its CLI and
 * `startFauxqs()` bind 0.0.0.0). Requests reach it through a SigV4 gate that accepts only
 * `credentials` (fauxqs itself accepts any key), behind a TCP proxy that can take the
 * endpoint down and back up on the same port.
 *
 *   client → proxy (endpoint, down/up) → SigV4 gate → fauxqs
 */
export interface Fauxqs {
  /** What destinations are configured with, e.g. http://127.0.0.1:41234 */
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): Promise<void>;
  /** The queue URL fauxqs assigns (a developer configures it with `endpoint`). */
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>;
  /** Test-side clients (through the gate, with the good key). */
  s3: S3Client;
  sqs: SQSClient;
  listKeys(bucket: string): Promise<string[]>;
  getObject(bucket: string, key: string): Promise<{ body: Buffer; contentType: string | undefined }>;
  /** Receives and deletes every message currently in the queue. */
  drainMessages(queueUrl: string): Promise<Message[]>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFauxqs(): Promise<Fauxqs> {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'AKIATRIBUTARYTEST01', secretAccessKey: 'tributary-test-secret-key' };
  const app = buildApp({ logger: false, defaultRegion: region });
  const fauxqsUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const gate = await startSigV4Gate(Number(new URL(fauxqsUrl).port), {
    [credentials.accessKeyId]: credentials.secretAccessKey,
  });
  const proxy = await TcpProxy.start(gate.port);
  const endpoint = proxy.url;
  const common = { endpoint, region, credentials };
  const s3 = new S3Client({
    ...common,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const sqs = new SQSClient(common);
  return {
    endpoint,
    region,
    credentials,
    s3,
    sqs,
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createQueue(name, attributes) {
      // fauxqs names queues by the URL it returns (http://sqs.<region>.localhost:<port>/000000000000/<name>);
      // requests still go to `endpoint`, as with any SQS-compatible server behind a custom endpoint.
      const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
      return created.QueueUrl!;
    },
    async listKeys(bucket) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async getObject(bucket, key) {
      const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return { body: Buffer.from(await answer.Body!.transformToByteArray()), contentType: answer.ContentType };
    },
    async drainMessages(queueUrl) {
      const all: Message[] = [];
      for (;;) {
        const page = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 30,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (!page.Messages?.length) break;
        for (const message of page.Messages)
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        all.push(...page.Messages);
      }
      return all;
    },
    down: () => proxy.down(),
    up: () => proxy.up(),
    async close() {
      s3.destroy();
      sqs.destroy();
      await proxy.close();
      await gate.close();
      await app.close();
    },
  };
}
