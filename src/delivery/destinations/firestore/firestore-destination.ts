import { Firestore, type DocumentData } from '@google-cloud/firestore';
import { MODEL_VERSION } from '../../../model/data-types.ts';
import type { DeliveryOutcome, Destination, DestinationEvent, DestinationServices } from '../destination.ts';
import { eventParts, isoTime, verifyFailed, withDeadline } from '../event-parts.ts';
import type { FirestoreConfig } from './firestore-config.ts';
import { ambientCredentialsAllowed, ambientRefusedOutcome, refuseAmbientAtCreation } from '../ambient-credentials.ts';

/**
 * Terra's Firestore layout: documents under `terra/2022-03-16/<collection>/<name>`, one
 * collection per data type with documents `{user_id}-{start_time}.json` (athlete:
 * `{user_id}.json`), the record inline with the event's `user`; auth-type and other events in
 * `user_events`. Every write is a full `set` of a named document, so a redelivery overwrites.
 */
export const ROOT = `terra/${MODEL_VERSION}`;
export const USER_EVENTS = 'user_events';

const DEFAULT_TIMEOUT_MS = 10_000;

export interface FirestoreWrite {
  /** Path relative to the database root, e.g. `terra/2022-03-16/activity/<user>-<start>.json`. */
  path: string;
  data: DocumentData;
}

/** Document ids may not contain `/`; nothing else in our names needs escaping. */
function docName(text: string): string {
  return text.replace(/\//g, '_');
}

export function firestoreWrites(event: DestinationEvent): FirestoreWrite[] {
  const parts = eventParts(event);
  const userId = parts.user?.user_id ?? event.userId;
  if (!parts.isData) {
    // Terra names these `{user_id}-{timestamp}.json`; the event type is added because a re-auth
    // emits `user_reauth` and `auth` for one user at the same instant.
    const name = `${userId ? `${userId}-` : ''}${isoTime(event.orderingTimestamp)}-${event.type}.json`;
    return [{ path: `${ROOT}/${USER_EVENTS}/${docName(name)}`, data: event.payload }];
  }
  const user = event.payload.user ?? null;
  return parts.records.map((part) => {
    const name = part.dataType === 'athlete' ? `${userId}.json` : `${userId}-${part.startTime ?? part.key}.json`;
    return { path: `${ROOT}/${part.dataType}/${docName(name)}`, data: { ...part.record, user } };
  });
}

function openClient(config: FirestoreConfig): Firestore {
  const credentials = config.credentials_json;
  return new Firestore({
    projectId: config.project_id,
    ...(credentials
      ? { credentials: { client_email: credentials.client_email, private_key: credentials.private_key } }
      : {}),
    ignoreUndefinedProperties: true,
  });
}

/**
 * Without a key the SDK uses the machine's Application Default Credentials — unless the
 * operator pointed it at an emulator (FIRESTORE_EMULATOR_HOST, read by the SDK itself), which
 * takes no credentials.
 */
function wouldUseAmbientCredentials(config: FirestoreConfig, services: DestinationServices): boolean {
  return !config.credentials_json && !process.env.FIRESTORE_EMULATOR_HOST && !ambientCredentialsAllowed(services);
}

export function openFirestoreDestination(config: FirestoreConfig, services: DestinationServices): Destination {
  if (wouldUseAmbientCredentials(config, services))
    return { deliver: async () => ambientRefusedOutcome('credentials_json'), close: async () => undefined };
  let db = openClient(config);
  const timeoutMs = services.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async deliver(event: DestinationEvent): Promise<DeliveryOutcome> {
      const writes = firestoreWrites(event);
      let pending: Promise<unknown> = Promise.resolve();
      try {
        if (writes.length > 0) {
          const batch = db.batch();
          for (const write of writes) batch.set(db.doc(write.path), write.data);
          pending = batch.commit();
          await withDeadline(pending, timeoutMs);
        }
        return { ok: true };
      } catch (error) {
        if (isUnreachable(error)) {
          // The gRPC channel backs off reconnecting for up to minutes; the next attempt gets a
          // fresh one. The old client is closed once its own retries give up.
          terminateWhenSettled(db, pending);
          db = openClient(config);
        }
        return {
          ok: false,
          error: `firestore ${config.project_id}: ${describeFirestoreError(error)}`,
          retryable: !firestoreErrorIsPermanent(error),
        };
      }
    },
    close: () => db.terminate(),
  };
}

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'DEADLINE' || code === 14 || code === 4;
}

/** Reads the layout's root document: proves the project, database and credentials answer. */
export async function verifyFirestoreDestination(
  config: FirestoreConfig,
  services: DestinationServices,
): Promise<void> {
  if (wouldUseAmbientCredentials(config, services)) refuseAmbientAtCreation('firestore', 'credentials_json');
  const db = openClient(config);
  const read = db.doc(ROOT).get();
  try {
    await withDeadline(read, services.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (error) {
    throw verifyFailed(
      'firestore',
      `cannot use project "${config.project_id}": ${describeFirestoreError(error)}`,
      error,
    );
  } finally {
    terminateWhenSettled(db, read);
  }
}

/** Terminating a client while a call still retries inside it makes that call reject unobserved. */
function terminateWhenSettled(db: Firestore, pending: Promise<unknown>): void {
  void pending
    .catch(() => undefined)
    .then(() => db.terminate())
    .catch(() => undefined);
}

/** gRPC status codes no retry can fix: INVALID_ARGUMENT (e.g. a document over 1 MiB, nested arrays), FAILED_PRECONDITION, OUT_OF_RANGE. */
const PERMANENT_CODES = new Set([3, 9, 11]);

export function firestoreErrorIsPermanent(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && PERMANENT_CODES.has(code);
}

export function describeFirestoreError(error: unknown): string {
  const e = error as { code?: unknown; message?: string };
  if (e.code === 'DEADLINE') return `could not reach Firestore (${e.message})`;
  if (e.code === 16) return `the credentials were rejected: ${e.message}`;
  if (e.code === 7) return `${e.message} (the service account needs the Cloud Datastore User role)`;
  if (e.code === 5) return `${e.message} (does the project have a Firestore database in Native mode?)`;
  if (e.code === 14) return `could not reach Firestore (${e.message})`;
  return e.message ?? String(error);
}
