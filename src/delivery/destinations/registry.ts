import type { DestinationDefinition } from './destination.ts';
import { webhookDestination } from './webhook/index.ts';
import { sqlDestination } from './sql/index.ts';
import { mongodbDestination } from './mongodb/index.ts';
import { firestoreDestination } from './firestore/index.ts';
import { supabaseDestination } from './supabase/index.ts';
import { s3Destination } from './s3/index.ts';
import { gcsDestination } from './gcs/index.ts';
import { azureBlobDestination } from './azure-blob/index.ts';
import { sqsDestination } from './sqs/index.ts';
import { kafkaDestination } from './kafka/index.ts';

/**
 * Every destination type. The only module that imports destination folders: add a type by
 * adding its definition here (the webhook, SQL, S3, … folders each export one).
 */
export const DESTINATION_DEFINITIONS: readonly DestinationDefinition[] = [
  webhookDestination,
  sqlDestination,
  mongodbDestination,
  firestoreDestination,
  supabaseDestination,
  s3Destination,
  gcsDestination,
  azureBlobDestination,
  sqsDestination,
  kafkaDestination,
];

export function destinationDefinition(type: string): DestinationDefinition | undefined {
  return DESTINATION_DEFINITIONS.find((definition) => definition.type === type);
}

export function destinationTypes(): string[] {
  return DESTINATION_DEFINITIONS.map((definition) => definition.type);
}
