import { MODEL_VERSION, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { User } from '../store/store.ts';

/** TerraUser, as embedded in every event and API response. */
export interface TerraUser {
  user_id: string;
  provider: string;
  last_webhook_update: string | null;
  scopes: string | null;
  reference_id: string | null;
  active: boolean;
  created_at: string;
}

export function terraUser(user: User): TerraUser {
  return {
    user_id: user.userId,
    provider: user.provider,
    last_webhook_update: user.lastWebhookUpdate,
    scopes: user.scopes,
    reference_id: user.referenceId,
    active: user.active,
    created_at: user.createdAt,
  };
}

/** A data event: `{type, user, data, version}`; athlete carries one object under `athlete`. */
export function dataEvent(type: DataType, user: User, records: TerraRecord[]): Record<string, unknown> {
  if (type === 'athlete') return { type, user: terraUser(user), athlete: records[0] ?? null, version: MODEL_VERSION };
  return { type, user: terraUser(user), data: records, version: MODEL_VERSION };
}
