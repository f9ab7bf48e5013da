import type { DestinationDefinition } from '../destination.ts';
import { parseFirestoreConfig, firestoreConfigSchema, type FirestoreConfig } from './firestore-config.ts';
import { openFirestoreDestination, verifyFirestoreDestination } from './firestore-destination.ts';

/** `firestore`: Terra's documents under `terra/2022-03-16`, overwritten by name. */
export const firestoreDestination: DestinationDefinition<FirestoreConfig> = {
  type: 'firestore',
  configSchema: firestoreConfigSchema,
  parseConfig: parseFirestoreConfig,
  secretFields: ['credentials_json'],
  summary:
    'documents `terra/2022-03-16/{data_type}/{user_id}-{start_time}.json`, `user_events/…`; overwritten by name (`FIRESTORE_EMULATOR_HOST` honoured)',
  docs: {
    page: 'docs/destinations/firestore.md',
    permissions: 'Cloud Datastore User',
    testedAgainst: '@firestore-emulator/server (no auth checks)',
  },
  contractSuite: 'test/destinations/firestore.test.ts',
  open: (config, services) => openFirestoreDestination(config, services),
  verify: (config, services) => verifyFirestoreDestination(config, services),
};
