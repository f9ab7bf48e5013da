/**
 * Keeps the destination docs in sync with the code (run by scripts/gen.ts; `npm run gen`):
 * - the overview table of every registered destination type, `docs/destinations/README.md`;
 * - each `docs/destinations/<type>.md` page's config table between its `config-table` markers,
 *   rendered from the type's zod schema (src/delivery/destinations/config-docs.ts).
 * Types come from the registry; a registered type without a schema here or without a docs page
 * makes generation fail, so a new destination cannot ship undocumented.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { azureBlobConfigSchema } from '../src/delivery/destinations/azure-blob/azure-blob.ts';
import { configFields, configTable } from '../src/delivery/destinations/config-docs.ts';
import { firestoreConfigSchema } from '../src/delivery/destinations/firestore/firestore-config.ts';
import { gcsConfigSchema } from '../src/delivery/destinations/gcs/gcs.ts';
import { kafkaConfigSchema } from '../src/delivery/destinations/kafka/kafka.ts';
import { mongodbConfigSchema } from '../src/delivery/destinations/mongodb/mongodb-config.ts';
import { DESTINATION_DEFINITIONS } from '../src/delivery/destinations/registry.ts';
import { s3ConfigSchema } from '../src/delivery/destinations/s3/s3.ts';
import { sqlConfigSchema } from '../src/delivery/destinations/sql/sql-config.ts';
import { sqsConfigSchema } from '../src/delivery/destinations/sqs/sqs.ts';
import { supabaseConfigSchema } from '../src/delivery/destinations/supabase/supabase-config.ts';
import { REPO_ROOT, type Artifact } from './gen-model.ts';

/** Config schema and one-line summary per destination type (the webhook is documented in README § Delivery). */
const DESTINATIONS: Record<string, { schema: z.ZodTypeAny; summary: string }> = {
  sql: {
    schema: sqlConfigSchema,
    summary:
      'PostgreSQL or MySQL/MariaDB: `terra_users`, `terra_data_payloads`, `terra_other_payloads`, payload JSON in the row',
  },
  supabase: {
    schema: supabaseConfigSchema,
    summary: 'the same tables in the project database, plus raw payload files in the `terra-payloads` bucket',
  },
  mongodb: {
    schema: mongodbConfigSchema,
    summary: "one collection per data type + `user_events`, upsert by Terra's `_id`s",
  },
  firestore: {
    schema: firestoreConfigSchema,
    summary: 'documents under `terra/2022-03-16/<collection>/`, overwritten by name',
  },
  s3: {
    schema: s3ConfigSchema,
    summary: 'objects `2022-03-16/{data_type}/{user_id}-{start_time}.json` (also MinIO, R2…)',
  },
  gcs: { schema: gcsConfigSchema, summary: 'same object layout in a Cloud Storage bucket' },
  azure_blob: { schema: azureBlobConfigSchema, summary: 'same object layout in a Blob container' },
  sqs: { schema: sqsConfigSchema, summary: 'one message per event, inline or `s3_payload` wrapper' },
  kafka: {
    schema: kafkaConfigSchema,
    summary: 'one record per event keyed by user_id, inline or `s3_payload` wrapper',
  },
};

const WEBHOOK = 'webhook';

/** `azure_blob` → `azure-blob.md` */
export function docsPage(type: string): string {
  return `docs/destinations/${type.replace(/_/g, '-')}.md`;
}

function registeredTypes(): string[] {
  const types = DESTINATION_DEFINITIONS.map((definition) => definition.type);
  for (const type of types) {
    if (type !== WEBHOOK && !DESTINATIONS[type])
      throw new Error(`destination type "${type}" is registered but has no schema in scripts/gen-destinations.ts`);
    if (type !== WEBHOOK && !existsSync(join(REPO_ROOT, docsPage(type))))
      throw new Error(`destination type "${type}" has no docs page ${docsPage(type)}`);
  }
  for (const type of Object.keys(DESTINATIONS))
    if (!types.includes(type))
      throw new Error(`scripts/gen-destinations.ts documents "${type}", which is not registered`);
  return types;
}

/** The overview table of docs/destinations/README.md. */
export function overviewTable(): string {
  const pageLink = (type: string) => docsPage(type).split('/').pop()!;
  const rows = registeredTypes().map((type) => {
    const definition = DESTINATION_DEFINITIONS.find((d) => d.type === type)!;
    if (type === WEBHOOK)
      return `| \`webhook\` | \`url\` | \`signing_secret\` | Terra's signed HTTP POST, push or ping | [README § Delivery](../../README.md#delivery) |`;
    const { schema, summary } = DESTINATIONS[type];
    const fields = configFields(schema, definition.secretFields)
      .map((field) => (field.required ? `\`${field.name}\`` : `\`${field.name}?\``))
      .join(', ');
    const secrets = definition.secretFields.map((field) => `\`${field}\``).join(', ');
    return `| \`${type}\` | ${fields} | ${secrets} | ${summary} | [${docsPage(type).split('/').pop()}](${pageLink(type)}) |`;
  });
  return ['| type | config (`?` = optional) | secret fields | layout | docs |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

const CONFIG_BLOCK = /(<!-- config-table:begin[^>]*-->\n)[\s\S]*?(<!-- config-table:end -->)/;

function read(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

export function generateDestinationDocs(): Artifact[] {
  const artifacts: Artifact[] = [];
  const index = [
    '# Destinations',
    '',
    '<!-- generated by scripts/gen-destinations.ts (`npm run gen`): do not edit by hand -->',
    '',
    'Every destination is created with `POST /v2/destinations {type, config, event_types?, format?, delivery_mode?}`;',
    'its config is validated, checked with a real connection (400 with the reason when it fails), and its secret',
    'fields are stored encrypted and never returned. Deliveries share one machinery: outbox, retries, dead letters,',
    'and the deliveries log (README § Delivery).',
    '',
    overviewTable(),
    '',
  ].join('\n');
  artifacts.push({ path: 'docs/destinations/README.md', content: index });

  for (const type of registeredTypes()) {
    if (type === WEBHOOK) continue;
    const page = docsPage(type);
    const text = read(page);
    if (!CONFIG_BLOCK.test(text)) continue;
    const definition = DESTINATION_DEFINITIONS.find((d) => d.type === type)!;
    const table = configTable(DESTINATIONS[type].schema, definition.secretFields);
    artifacts.push({
      path: page,
      content: text.replace(CONFIG_BLOCK, (_m, begin: string, end: string) => `${begin}${table}\n${end}`),
    });
  }
  return artifacts;
}
