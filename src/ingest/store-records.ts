import type { DataType, TerraRecord } from '../model/data-types.ts';
import type { RawRecordInput, Store, User } from '../store/store.ts';
import { dataEvent } from '../delivery/terra-events.ts';

/** Content type of the raw row that marks a payload the provider deleted (its newest version: replay rebuilds nothing). */
export const TOMBSTONE_CONTENT_TYPE = 'application/vnd.tributary.deleted+json';

export interface StoreRecordsInput {
  user: User;
  type: DataType;
  /** The provider payload these records came from, stored verbatim first. */
  raw?: Omit<RawRecordInput, 'userId'>;
  /** Instead of `raw`: the stored payload the records were rebuilt from (replay). */
  rawId?: string;
  records: TerraRecord[];
  /** terra-reference of the request that caused this, if any. */
  reference?: string | null;
}

export interface StoreRecordsResult {
  keys: string[];
  /** Keys whose stored payload changed (new or updated): these went out in the event. */
  changedKeys: string[];
  rawId: string | null;
  eventId: string | null;
}

/**
 * The one write path for provider data: raw payload → normalized records → outbox event,
 * in a single transaction, so a crash can neither lose data nor announce data that was
 * not stored. Unchanged records (a re-poll) produce no event.
 */
export async function storeRecords(store: Store, input: StoreRecordsInput): Promise<StoreRecordsResult> {
  const { user, type } = input;
  return store.transaction(async (tx) => {
    const rawId = input.raw
      ? (await tx.raw.put(user.devId, { ...input.raw, userId: user.userId })).rawId
      : (input.rawId ?? null);
    const keys: string[] = [];
    const changed: TerraRecord[] = [];
    const changedKeys: string[] = [];
    for (const record of input.records) {
      const { key, changed: isNew } = await tx.records.upsert(user.devId, user.userId, type, record, rawId);
      keys.push(key);
      if (isNew) {
        changed.push(record);
        changedKeys.push(key);
      }
    }
    if (changed.length === 0) return { keys, changedKeys, rawId, eventId: null };
    const now = new Date().toISOString();
    const fresh = (await tx.users.update(user.devId, user.userId, { lastWebhookUpdate: now })) ?? user;
    const event = await tx.events.insert(user.devId, {
      type,
      userId: user.userId,
      reference: input.reference ?? null,
      payload: dataEvent(type, fresh, changed),
    });
    return { keys, changedKeys, rawId, eventId: event.eventId };
  });
}
