import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { awsFailure, awsReason } from '../aws-errors.ts';
import type { Destination, DestinationDefinition, DestinationServices } from '../destination.ts';
import { assertPublicTargets, guardedAgents, privateTargetsRefused } from '../network-guard.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { parseDestinationConfig, verifyFailed } from '../parse-config.ts';

/**
 * Amazon S3 and S3-compatible stores (MinIO, Cloudflare R2, Ceph, …) through the official
 * AWS SDK. Layout: Terra's (see object-key.ts). Needs `s3:PutObject` on `bucket/prefix*`.
 */
export const s3ConfigSchema = z
  .object({
    bucket: z
      .string()
      .min(3)
      .max(63)
      .regex(/^[a-z0-9][a-z0-9.\-_]*[a-z0-9]$/i, 'must be a bucket name (letters, digits, ".", "-", "_")')
      .describe('Bucket the objects are written to (it must exist)'),
    region: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-z0-9-]+$/, 'must be a region such as "eu-west-2" (or "auto" for R2)')
      .describe('Region of the bucket (`auto` for Cloudflare R2, any value MinIO accepts)'),
    access_key_id: z.string().min(1).describe('Access key id of an IAM user or S3-compatible key'),
    secret_access_key: z.string().min(1).describe('Its secret access key'),
    endpoint: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
      .optional()
      .describe('S3-compatible server (MinIO, R2, Ceph…); absent = AWS'),
    force_path_style: z
      .boolean()
      .optional()
      .describe('`https://host/bucket/key` addressing; default true with `endpoint`, false for AWS'),
    prefix: z.string().max(512).optional().describe('Folder the layout is written under, e.g. `tributary/`'),
  })
  .strict();

export type S3DestinationConfig = z.output<typeof s3ConfigSchema>;

/** The object written (then deleted, when allowed) by `verify` to prove write access. */
export const VERIFY_OBJECT_NAME = 'tributary-connection-check.json';

export function s3Client(config: S3DestinationConfig, services: DestinationServices): S3Client {
  return new S3Client({
    region: config.region,
    credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Path-style by default with a custom endpoint: MinIO and most self-hosted stores need it.
    forcePathStyle: config.force_path_style ?? Boolean(config.endpoint),
    // Checksums only when an operation requires them: several S3-compatible stores reject or
    // mangle the aws-chunked trailers the SDK adds by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // One attempt: the delivery machinery owns retries (and their schedule).
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: services.timeoutMs ?? 30_000,
      ...(privateTargetsRefused(services) ? guardedAgents() : {}),
    },
  });
}

export const s3Destination: DestinationDefinition<S3DestinationConfig> = {
  type: 's3',
  configSchema: s3ConfigSchema,
  secretFields: ['secret_access_key'],
  summary:
    '`2022-03-16/{data_type}/{user_id}-{start_time}.json` per record, `.fit` beside it with `format: "fit"`; other events `2022-03-16/{event_type}/{user_id}-{timestamp}.json`; overwrite on redelivery (with `endpoint`: MinIO, R2, …)',
  docs: {
    page: 'docs/destinations/s3.md',
    permissions: '`s3:PutObject`',
    testedAgainst: 'fauxqs + a SigV4 check',
  },
  contractSuite: 'test/destinations/s3.test.ts',
  parseConfig: (input) => parseDestinationConfig('s3', s3ConfigSchema, input),

  open(config: S3DestinationConfig, services: DestinationServices): Destination {
    const client = s3Client(config, services);
    return {
      deliver: (event) =>
        putEventObjects(event, services, config.prefix, {
          noun: 'objects',
          reason: awsReason,
          put: async (object) => {
            await client.send(
              new PutObjectCommand({
                Bucket: config.bucket,
                Key: object.key,
                Body: object.body,
                ContentType: object.contentType,
              }),
            );
          },
          failed: (object, error) => awsFailure(`PutObject s3://${config.bucket}/${object.key}`, error),
        }),
      async close() {
        client.destroy();
      },
    };
  },

  async verify(config: S3DestinationConfig, services: DestinationServices): Promise<void> {
    await assertPublicTargets('s3', [config.endpoint], services, 'config.endpoint');
    const client = s3Client(config, services);
    const key = normalizePrefix(config.prefix) + VERIFY_OBJECT_NAME;
    try {
      // A write, not HeadBucket: PutObject is the one permission deliveries need.
      const body = JSON.stringify({ type: 'tributary_connection_check', checked_at: new Date().toISOString() });
      await client.send(
        new PutObjectCommand({ Bucket: config.bucket, Key: key, Body: body, ContentType: 'application/json' }),
      );
      // Best effort: the credentials need not be allowed to delete.
      await client.send(new DeleteObjectCommand({ Bucket: config.bucket, Key: key })).catch(() => undefined);
    } catch (error) {
      throw verifyFailed('s3', `PutObject s3://${config.bucket}/${key}: ${awsReason(error)}`, error);
    } finally {
      client.destroy();
    }
  },
};
