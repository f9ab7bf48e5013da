import type { DestinationDefinition } from '../destination.ts';
import { lazyDestination, type DestinationDescription } from '../lazy-destination.ts';
import { parseFirestoreConfig, firestoreConfigSchema, type FirestoreConfig } from './firestore-config.ts';

/** `firestore`: Terra's documents under `terra/2022-03-16`, overwritten by name. */
const description: DestinationDescription<FirestoreConfig> = {
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
};

/** The driver (firestore-destination.ts) is imported on first use, not with the registry. */
export const firestoreDestination: DestinationDefinition<FirestoreConfig> = lazyDestination(description, () =>
  import('./firestore-destination.ts').then((module) => ({
    open: module.openFirestoreDestination,
    verify: module.verifyFirestoreDestination,
  })),
);
