import type { z } from 'zod';
import type {
  Delivery,
  DeliveryDetail as DeliveryDetailSchema,
  Destination,
} from '../../api/routes/destinations.contract.ts';

/** Shapes of the /v2 answers the dashboard reads (only the fields it uses). */
export interface TerraUser {
  user_id: string;
  provider: string;
  reference_id: string | null;
  last_webhook_update: string | null;
  scopes: string | null;
  active: boolean;
  created_at?: string;
}

/** Declared once, in the API's contract (type-only imports: nothing of the server is bundled). */
export type DeliveryView = z.output<typeof Delivery>;
export type DeliveryDetail = z.output<typeof DeliveryDetailSchema>;
/** A webhook's `url` is one of its visible config fields, at the top level. */
export type DestinationView = z.output<typeof Destination> & { url?: string };

export interface EventSummary {
  id: string;
  type: string;
  user_id: string | null;
  created_at: string;
  delivery_status: 'none' | 'pending' | 'failed' | 'delivered';
  deliveries: { id: string; destination_id: string; status: string; attempts: number; last_error: string | null }[];
}

/** `GET /v2/events/{id}`: the summary plus the Terra event body as sent. */
export interface EventDetail extends EventSummary {
  reference: string | null;
  payload: unknown;
}

export interface IntegrationProvider {
  provider: string;
  name: string;
  icon: string;
  setup: string;
  enabled: boolean;
  types: Record<string, boolean>;
}

export interface ApiKeyView {
  id: string;
  name: string;
  hint: string | null;
  created_at: string;
  rotated_at: string | null;
  last_used_at: string | null;
  current: boolean;
}

export interface KeysAnswer {
  developer: { dev_id: string; name: string };
  keys: ApiKeyView[];
}

export interface ConnectionHealth {
  user_id: string;
  reference_id: string | null;
  provider: string;
  state: 'pending' | 'connected' | 'deauthorized' | 'error';
  active: boolean;
  last_data_at: string | null;
  last_sync_success_at: string | null;
  last_sync_failure_at: string | null;
  last_sync_error: string | null;
  consecutive_failures: number;
  expected_cadence_hours: number | null;
  stale: boolean;
  stale_reason: 'no_data' | 'sync_failing' | null;
  stale_notified_at: string | null;
}

export interface HealthPage {
  connections: ConnectionHealth[];
  total: number;
  stale_count: number;
  page: number;
  max_page: number;
}
