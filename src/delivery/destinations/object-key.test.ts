import { describe, expect, it } from 'vitest';
import type { DestinationEvent } from './destination.ts';
import { jsonObjectsForEvent, normalizePrefix } from './object-key.ts';

// The FIT file beside the JSON is covered against real servers in test/emulators/object-store-cases.ts.

const user = { user_id: 'u-1', provider: 'IFIT' };
const event = (
  type: string,
  payload: Record<string, unknown>,
  extra: Partial<DestinationEvent> = {},
): DestinationEvent => ({
  eventId: 'e-1',
  type,
  userId: null,
  reference: null,
  body: JSON.stringify(payload),
  payload,
  traceId: 't-1',
  orderingTimestamp: Date.parse('2026-03-12T07:30:00.123Z'),
  ...extra,
});

describe("Terra's object-store keys", () => {
  it('one object per data record, named by user and start time, kept verbatim', () => {
    const payload = {
      type: 'daily',
      user,
      data: [
        { metadata: { start_time: '2026-03-11T00:00:00.000000+01:00' } },
        { metadata: { start_time: '2026-03-12T00:00:00.000000+01:00' } },
      ],
      version: '2022-03-16',
    };
    const objects = jsonObjectsForEvent(event('daily', payload));
    expect(objects.map((o) => o.key)).toEqual([
      '2022-03-16/daily/u-1-2026-03-11T00:00:00.000000+01:00.json',
      '2022-03-16/daily/u-1-2026-03-12T00:00:00.000000+01:00.json',
    ]);
    expect(JSON.parse(objects[1].body as string)).toEqual({ ...payload, data: [payload.data[1]] });
  });

  it('athlete: one object per user; other events: user and emission time; no user: time alone', () => {
    expect(jsonObjectsForEvent(event('athlete', { type: 'athlete', user, athlete: { first_name: 'A' } }))[0].key).toBe(
      '2022-03-16/athlete/u-1.json',
    );
    expect(
      jsonObjectsForEvent(
        event('user_reauth', { type: 'user_reauth', old_user: { user_id: 'old' }, new_user: { user_id: 'new' } }),
      )[0].key,
    ).toBe('2022-03-16/user_reauth/new-2026-03-12T07:30:00.123Z.json');
    expect(jsonObjectsForEvent(event('healthcheck', { type: 'healthcheck' }))[0].key).toBe(
      '2022-03-16/healthcheck/2026-03-12T07:30:00.123Z.json',
    );
  });

  it('a data event without a `data` array (another format) is stored whole, like other events', () => {
    const objects = jsonObjectsForEvent(event('activity', { resourceType: 'Bundle', entry: [] }, { userId: 'u-2' }));
    expect(objects).toEqual([
      {
        key: '2022-03-16/activity/u-2-2026-03-12T07:30:00.123Z.json',
        body: '{"resourceType":"Bundle","entry":[]}',
        contentType: 'application/json',
      },
    ]);
  });

  it('records without a start time fall back to their natural key, then to the emission time and position', () => {
    const payload = {
      type: 'activity',
      user,
      data: [{ metadata: { summary_id: 'log-7' } }, { metadata: {} }, { metadata: {} }],
      version: '2022-03-16',
    };
    expect(jsonObjectsForEvent(event('activity', payload)).map((o) => o.key)).toEqual([
      '2022-03-16/activity/u-1-log-7.json',
      '2022-03-16/activity/u-1-2026-03-12T07:30:00.123Z-1.json',
      '2022-03-16/activity/u-1-2026-03-12T07:30:00.123Z-2.json',
    ]);
  });

  it('a value never adds a folder; prefixes are normalized', () => {
    expect(jsonObjectsForEvent(event('auth', { type: 'auth', user: { user_id: '../x/y' } }))[0].key).toBe(
      '2022-03-16/auth/.._x_y-2026-03-12T07:30:00.123Z.json',
    );
    expect(normalizePrefix('/a/b/')).toBe('a/b/');
    expect(normalizePrefix('')).toBe('');
    expect(normalizePrefix(undefined)).toBe('');
  });
});
