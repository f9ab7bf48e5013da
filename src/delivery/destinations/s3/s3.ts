import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { awsFailure, awsReason } from '../aws-errors.ts';
import type { Destination, DestinationServices } from '../destination.ts';
import { assertPublicTargets, guardedAgents, privateTargetsRefused } from '../network-guard.ts';
import { normalizePrefix, putEventObjects } from '../object-key.ts';
import { verifyFailed } from '../parse-config.ts';
import type { DestinationImplementation } from '../lazy-destination.ts';
import type { S3DestinationConfig } from './s3-config.ts';

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

/** The SDK-bound half of `s3`: index.ts holds the definition and imports this module on first use. */
export const implementation: DestinationImplementation<S3DestinationConfig> = {
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
