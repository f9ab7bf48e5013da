import { createHash } from 'node:crypto';
import type { DestinationEvent } from './destination.ts';
import { eventParts, isoTime, userStateAfter, type EventUser } from './event-parts.ts';

/**
 * Terra's three-table SQL layout, adapted to self-hosting: Terra keeps the payload JSON in its
 * own bucket and stores a reference; Tributary has no bucket, so each row carries the payload
 * itself (`payload` column). Rows are keyed so a redelivery overwrites:
 * - `terra_users`: one row per user_id;
 * - `terra_data_payloads`: one row per record, keyed by data type × user × the record's natural key
 *   (summary_id for activity/sleep, the day for daily/body/nutrition/menstruation, one athlete per user);
 *   `payload` is a one-record Terra event `{type, user, data: [record], version}`;
 * - `terra_other_payloads`: one row per non-data event (auth, deauth, healthcheck, …), keyed by the
 *   event id, which is stable across retries.
 */
export interface UserRow {
  user_id: string;
  reference_id: string | null;
  created_at: string | null;
  granted_scopes: string | null;
  provider: string | null;
  /** Set on auth-type events; null leaves the stored state alone (a new row starts `active`). */
  state: string | null;
}

export interface DataRow {
  payload_id: string;
  user_id: string;
  data_type: string;
  created_at: string;
  start_time: string | null;
  end_time: string | null;
  payload: string;
}

export interface OtherRow {
  payload_id: string;
  user_id: string | null;
  data_type: string;
  payload_type: string | null;
  created_at: string;
  payload: string;
}

export interface TerraRows {
  users: UserRow[];
  data: DataRow[];
  other: OtherRow[];
}

/** Longest payload_id; longer natural keys are replaced by their SHA-256. */
export const MAX_PAYLOAD_ID = 255;

export function terraRows(event: DestinationEvent): TerraRows {
  const parts = eventParts(event);
  const createdAt = isoTime(event.orderingTimestamp);
  const users: UserRow[] = [];
  if (parts.replacedUser) users.push(userRow(parts.replacedUser, 'user_reauth'));
  if (parts.user) users.push(userRow(parts.user, userStateAfter(event.type, event.payload)));
  const userId = parts.user?.user_id ?? event.userId;
  if (!parts.isData) {
    const status = event.payload.status;
    return {
      users,
      data: [],
      other: [
        {
          payload_id: event.eventId,
          user_id: userId,
          data_type: event.type,
          payload_type: typeof status === 'string' ? status : null,
          created_at: createdAt,
          payload: event.body,
        },
      ],
    };
  }
  const data = parts.records.map((part): DataRow => ({
    payload_id: dataPayloadId(part.dataType, userId ?? '', part.key),
    user_id: userId ?? '',
    data_type: part.dataType,
    created_at: createdAt,
    start_time: part.startTime,
    end_time: part.endTime,
    payload: JSON.stringify(part.payload),
  }));
  return { users, data, other: [] };
}

export function dataPayloadId(dataType: string, userId: string, key: string): string {
  const id = `${dataType}:${userId}:${key}`;
  return id.length <= MAX_PAYLOAD_ID
    ? id
    : `${dataType}:${userId}:sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function userRow(user: EventUser, state: string | null): UserRow {
  return {
    user_id: user.user_id,
    reference_id: user.reference_id,
    created_at: user.created_at,
    granted_scopes: user.scopes,
    provider: user.provider,
    state,
  };
}
