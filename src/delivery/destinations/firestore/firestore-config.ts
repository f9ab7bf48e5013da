import { z } from 'zod';
import { parseWith } from '../event-parts.ts';

/** A Google service-account key, as downloaded from the console (JSON text or the parsed object). */
const serviceAccountSchema = z
  .object({
    type: z.literal('service_account').optional(),
    client_email: z.string().email('must be the service account e-mail (client_email of the key file)'),
    private_key: z.string().includes('PRIVATE KEY', { message: 'must be the PEM private key of the key file' }),
    project_id: z.string().optional(),
  })
  .passthrough();

export const firestoreConfigSchema = z
  .object({
    project_id: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
        'must be a Google Cloud project id (6–30 lowercase letters, digits, hyphens)',
      )
      .describe('Google Cloud project that holds the Firestore database'),
    credentials_json: z
      .preprocess((value, ctx) => {
        if (typeof value !== 'string') return value;
        try {
          return JSON.parse(value) as unknown;
        } catch {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be the service-account key file (JSON)' });
          return z.NEVER;
        }
      }, serviceAccountSchema)
      .optional()
      .describe(
        'service-account key file (JSON text or object) with the Cloud Datastore User role (secret); required unless the operator set FIRESTORE_EMULATOR_HOST (emulator) or TRIBUTARY_ALLOW_AMBIENT_CREDENTIALS=true (application default credentials)',
      ),
  })
  .strict();

export type FirestoreConfig = z.output<typeof firestoreConfigSchema>;

export function parseFirestoreConfig(input: unknown): FirestoreConfig {
  return parseWith(firestoreConfigSchema, 'firestore', input);
}
