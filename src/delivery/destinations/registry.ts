import type { DestinationDefinition } from './destination.ts';
import { webhookDestination } from './webhook/index.ts';
import { sqlDestination } from './sql/index.ts';
import { mongodbDestination } from './mongodb/index.ts';

/**
 * Every destination type. The only module that imports destination folders: add a type by
 * adding its definition here (the webhook, SQL, S3, … folders each export one).
 */
export const DESTINATION_DEFINITIONS: readonly DestinationDefinition[] = [
  webhookDestination as DestinationDefinition,
  sqlDestination as DestinationDefinition,
  mongodbDestination as DestinationDefinition,
];

export function destinationDefinition(type: string): DestinationDefinition | undefined {
  return DESTINATION_DEFINITIONS.find((definition) => definition.type === type);
}

export function destinationTypes(): string[] {
  return DESTINATION_DEFINITIONS.map((definition) => definition.type);
}
