import { randomUUID } from 'node:crypto';
import type { DestinationEvent } from '../../src/delivery/destinations/destination.ts';

/**
 * One event of every kind a destination receives, shaped as Terra documents them
 * (terra-contract.md §3.3 and §4): auth-type events, healthcheck, and each data type with
 * records carrying their natural keys. Used by the shared destination contract suite.
 */
export const VERSION = '2022-03-16';

export interface TestUser {
  user_id: string;
  provider: string;
  last_webhook_update: string | null;
  scopes: string | null;
  reference_id: string | null;
  active: boolean;
  created_at: string;
}

export function testUser(overrides: Partial<TestUser> = {}): TestUser {
  return {
    user_id: randomUUID(),
    provider: 'IFIT',
    last_webhook_update: '2026-03-12T07:00:00.000000+00:00',
    scopes: 'activity,profile',
    reference_id: 'customer-42',
    active: true,
    created_at: '2026-03-01T09:30:00.000000+00:00',
    ...overrides,
  };
}

let clock = Date.parse('2026-03-12T08:00:00Z');

/** Wraps a Terra payload as the delivery machinery hands it to a destination. */
export function destinationEvent(
  payload: Record<string, unknown>,
  overrides: Partial<DestinationEvent> = {},
): DestinationEvent {
  clock += 1000;
  const user = (payload.user ?? payload.new_user) as { user_id?: string } | undefined;
  const body = JSON.stringify(payload);
  return {
    eventId: randomUUID(),
    type: String(payload.type),
    userId: user?.user_id ?? null,
    reference: null,
    body,
    payload: JSON.parse(body) as Record<string, unknown>,
    traceId: randomUUID(),
    orderingTimestamp: clock,
    ...overrides,
  };
}

/** The same event redelivered with an updated payload (Terra sends supersets of earlier payloads). */
export function withPayload(event: DestinationEvent, payload: Record<string, unknown>): DestinationEvent {
  const body = JSON.stringify(payload);
  return { ...event, body, payload: JSON.parse(body) as Record<string, unknown> };
}

export function activity(summaryId: string, start: string, end: string, calories = 412.5): Record<string, unknown> {
  return {
    metadata: { summary_id: summaryId, start_time: start, end_time: end, type: 8, name: 'Morning run', upload_type: 1 },
    calories_data: { total_burned_calories: calories, net_activity_calories: calories - 80 },
    distance_data: { summary: { distance_meters: 8012.4, steps: 8450 } },
    heart_rate_data: {
      summary: { avg_hr_bpm: 151, max_hr_bpm: 178 },
      detailed: {
        hr_samples: [
          { timestamp: start, bpm: 120 },
          { timestamp: end, bpm: 160 },
        ],
      },
    },
    position_data: { position_samples: [{ timestamp: start, coords_lat_lng_deg: [52.52, 13.405] }] },
  };
}

export function dayRecord(date: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    metadata: {
      start_time: `${date}T00:00:00.000000+01:00`,
      end_time: `${date}T23:59:59.999999+01:00`,
      upload_type: 0,
    },
    ...extra,
  };
}

export function dataPayload(type: string, user: TestUser, data: Record<string, unknown>[]): Record<string, unknown> {
  return { type, user, data, version: VERSION };
}

/** Every event kind, for one user (plus the user a re-auth replaced). */
export function eventCatalogue(
  user: TestUser = testUser(),
): { name: string; event: DestinationEvent; items: unknown[] }[] {
  const oldUser = testUser({ reference_id: user.reference_id, provider: user.provider });
  const other = (payload: Record<string, unknown>) => ({
    name: String(payload.type),
    event: destinationEvent(payload),
    items: [payload],
  });
  const data = (type: string, records: Record<string, unknown>[]) => ({
    name: type,
    event: destinationEvent(dataPayload(type, user, records)),
    items: records,
  });
  const athlete = {
    first_name: 'Ada',
    last_name: 'Lovelace',
    gender: 'female',
    sex: 'female',
    date_of_birth: '1990-12-10',
    city: 'London',
    country: 'GB',
  };
  return [
    other({ type: 'auth', status: 'success', user, reference_id: user.reference_id, widget_session_id: 'wsid-1' }),
    other({
      type: 'user_reauth',
      status: 'warning',
      old_user: oldUser,
      new_user: user,
      message: 'User has reauthenticated',
      version: VERSION,
    }),
    other({
      type: 'permission_change',
      status: 'warning',
      user,
      message: 'scopes changed',
      version: VERSION,
      scopes_added: 'sleep',
      scopes_removed: '',
    }),
    other({
      type: 'large_request_processing',
      status: 'processing',
      user,
      message: 'Large request is processing',
      reference: 'ref-1',
    }),
    other({
      type: 'large_request_sending',
      user,
      reference: 'ref-1',
      message: 'Large request is being sent',
      expected_payloads: 3,
    }),
    other({
      type: 'rate_limit_hit',
      user,
      start_date: '2026-01-01T00:00:00Z',
      end_date: '2026-02-01T00:00:00Z',
      retrying_at: '2026-03-12T09:00:00Z',
      message: 'Rate limit hit',
    }),
    other({ type: 'connection_error', status: 'warning', user, message: 'provider answered 401' }),
    other({
      type: 'healthcheck',
      status: 'success',
      creation_timestamp: '2026-03-12T08:00:00+00:00',
      trend_percentage: 0,
      sent_webhooks_last_hour: 12,
    }),
    data('activity', [
      activity('act-1', '2026-03-12T06:00:00.000000+01:00', '2026-03-12T06:45:10.000000+01:00'),
      activity('act-2', '2026-03-12T18:10:00.000000+01:00', '2026-03-12T18:40:00.000000+01:00', 250),
    ]),
    data('sleep', [
      {
        metadata: {
          summary_id: 'sleep-1',
          start_time: '2026-03-11T23:10:00.000000+01:00',
          end_time: '2026-03-12T06:40:00.000000+01:00',
          upload_type: 0,
          is_nap: false,
        },
        sleep_durations_data: {
          asleep: { duration_asleep_state_seconds: 25200 },
          awake: { duration_awake_state_seconds: 1800 },
        },
      },
    ]),
    data('daily', [
      dayRecord('2026-03-11', { distance_data: { steps: 10234 }, calories_data: { total_burned_calories: 2450 } }),
      dayRecord('2026-03-12', { distance_data: { steps: 4021 }, calories_data: { total_burned_calories: 1200 } }),
    ]),
    data('body', [
      dayRecord('2026-03-12', {
        measurements_data: { measurements: [{ measurement_time: '2026-03-12T07:00:00+01:00', weight_kg: 61.2 }] },
      }),
    ]),
    data('nutrition', [
      dayRecord('2026-03-12', { summary: { macros: { calories: 1830, protein_g: 92 }, water_ml: 1500 } }),
    ]),
    data('menstruation', [
      dayRecord('2026-03-12', {
        menstruation_data: { period_length_days: 5, current_phase: 'menstrual', day_in_cycle: 2 },
      }),
    ]),
    {
      name: 'athlete',
      event: destinationEvent({ type: 'athlete', user, athlete, version: VERSION }),
      items: [athlete],
    },
    other({ type: 'access_revoked', status: 'warning', user, message: 'User revoked access' }),
    other({ type: 'deauth', status: 'success', user, message: 'User has deauthenticated' }),
  ];
}
