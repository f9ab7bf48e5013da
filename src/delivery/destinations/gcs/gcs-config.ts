import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';

const serviceAccountSchema = z
  .object({
    type: z.literal('service_account', {
      errorMap: () => ({ message: 'must be a service-account key ("type": "service_account")' }),
    }),
    client_email: z.string().email(),
    private_key: z.string().refine(isPrivateKey, 'is not a readable PEM private key'),
    project_id: z.string().min(1).optional(),
    private_key_id: z.string().optional(),
  })
  .passthrough();

/** The key file as JSON text (what Google's console downloads) or as an object. */
const credentialsJson = z
  .union([z.string(), z.record(z.unknown())])
  .transform((value, context) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'is not valid JSON (paste the service-account key file)',
      });
      return z.NEVER;
    }
  })
  .pipe(serviceAccountSchema);

export const gcsConfigSchema = z
  .object({
    bucket: z
      .string()
      .min(3)
      .max(222)
      .regex(/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/, 'must be a bucket name: lower-case letters, digits, "-", "_" and "."')
      .describe('Bucket the objects are written to (it must exist)'),
    credentials_json: credentialsJson
      .optional()
      .describe(
        "Service-account key file (JSON text or object); required for Google's endpoint unless the operator sets TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS=true (then absent = the machine's Application Default Credentials)",
      ),
    api_endpoint: z
      .string()
      .url()
      .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
      .optional()
      .describe('Another GCS JSON API server (emulator, private endpoint); absent = Google'),
    prefix: z.string().max(512).optional().describe('Folder the layout is written under'),
  })
  .strict();

export type GcsDestinationConfig = z.output<typeof gcsConfigSchema>;

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}
