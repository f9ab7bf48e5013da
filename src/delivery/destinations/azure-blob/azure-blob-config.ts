import { z } from 'zod';

export const azureBlobConfigSchema = z
  .object({
    container: z
      .string()
      .min(3)
      .max(63)
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/,
        'must be a container name: lower-case letters, digits and single hyphens',
      )
      .describe('Container the blobs are written to (it must exist)'),
    connection_string: z
      .string()
      .min(1)
      .regex(/AccountName=|BlobEndpoint=|SharedAccessSignature=/i, 'must be an Azure Storage connection string')
      .optional()
      .describe('Storage account connection string (account key or SAS); give this or `sas_url`'),
    sas_url: z
      .string()
      .url()
      .regex(/^https?:\/\/[^?]+\?.*\bsig=/, 'must be a SAS URL (…?sv=…&sig=…)')
      .optional()
      .describe(
        'SAS URL of the account or the container, with create+write permission; give this or `connection_string`',
      ),
    prefix: z.string().max(512).optional().describe('Folder the layout is written under'),
  })
  .strict()
  .superRefine((config, context) => {
    if (!config.connection_string === !config.sas_url) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['connection_string'],
        message: 'give exactly one of connection_string or sas_url',
      });
    }
  });

export type AzureBlobDestinationConfig = z.output<typeof azureBlobConfigSchema>;
