import { z } from 'zod';

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
