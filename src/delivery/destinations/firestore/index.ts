import type { DestinationDefinition } from '../destination.ts';
import { parseFirestoreConfig, firestoreConfigSchema, type FirestoreConfig } from './firestore-config.ts';
import { openFirestoreDestination, verifyFirestoreDestination } from './firestore-destination.ts';

/** `firestore`: Terra's documents under `terra/2022-03-16`, overwritten by name. */
export const firestoreDestination: DestinationDefinition<FirestoreConfig> = {
  type: 'firestore',
  configSchema: firestoreConfigSchema,
  parseConfig: parseFirestoreConfig,
  secretFields: ['credentials_json'],
  open: (config, services) => openFirestoreDestination(config, services),
  verify: (config, services) => verifyFirestoreDestination(config, services),
};
