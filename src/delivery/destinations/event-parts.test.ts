import { describe, expect, it } from 'vitest';
import { isTributaryError } from '../../core/errors.ts';
import type { DestinationEvent } from './destination.ts';
import { mongodbDestination } from './mongodb/index.ts';
import { supabaseDestination } from './supabase/index.ts';
import { connectionStringHosts, eventParts } from './event-parts.ts';
import { sqlDestination } from './sql/index.ts';
import { dataPayloadId, terraRows } from './terra-rows.ts';

const user = {
  user_id: 'u-1',
  provider: 'IFIT',
  reference_id: 'ref',
  scopes: 'activity',
  active: true,
  created_at: '2026-03-01T00:00:00Z',
  last_webhook_update: null,
};

function event(payload: Record<string, unknown>, eventId = 'evt-1'): DestinationEvent {
  return {
    eventId,
    type: String(payload.type),
    userId: 'u-1',
    reference: null,
    body: JSON.stringify(payload),
    payload,
    traceId: 't',
    orderingTimestamp: Date.parse('2026-03-12T08:00:00Z'),
  };
}

describe('eventParts / terraRows', () => {
  it("keys records by Terra's natural keys and keeps each as a one-record event", () => {
    const daily = {
      metadata: { start_time: '2026-03-12T00:00:00+05:00', end_time: '2026-03-12T23:59:59+05:00' },
      steps: 3,
    };
    const rows = terraRows(event({ type: 'daily', user, data: [daily], version: '2022-03-16' }));
    expect(rows.data).toEqual([
      {
        payload_id: 'daily:u-1:2026-03-12',
        user_id: 'u-1',
        data_type: 'daily',
        created_at: '2026-03-12T08:00:00.000Z',
        start_time: '2026-03-12T00:00:00+05:00',
        end_time: '2026-03-12T23:59:59+05:00',
        payload: JSON.stringify({ type: 'daily', user, data: [daily], version: '2022-03-16' }),
      },
    ]);
    expect(rows.users).toEqual([
      {
        user_id: 'u-1',
        reference_id: 'ref',
        created_at: '2026-03-01T00:00:00Z',
        granted_scopes: 'activity',
        provider: 'IFIT',
        state: null,
      },
    ]);
    expect(rows.other).toEqual([]);
  });

  it('marks the replaced user of a re-auth and keys other events by event id', () => {
    const old = { ...user, user_id: 'u-0' };
    const rows = terraRows(
      event({ type: 'user_reauth', status: 'warning', old_user: old, new_user: user, message: 'm' }, 'evt-9'),
    );
    expect(rows.users.map((u) => [u.user_id, u.state])).toEqual([
      ['u-0', 'user_reauth'],
      ['u-1', 'active'],
    ]);
    expect(rows.other).toEqual([
      expect.objectContaining({
        payload_id: 'evt-9',
        user_id: 'u-1',
        data_type: 'user_reauth',
        payload_type: 'warning',
      }),
    ]);
  });

  it('hashes natural keys too long for the key column, and falls back to a per-event key when a record has none', () => {
    expect(dataPayloadId('activity', 'u-1', 'x'.repeat(300))).toMatch(/^activity:u-1:sha256:[0-9a-f]{64}$/);
    const parts = eventParts(
      event({ type: 'activity', user, data: [{ metadata: {} }], version: '2022-03-16' }, 'evt-2'),
    );
    expect(parts.records[0].key).toBe('evt-2#0');
  });
});

describe('connectionStringHosts', () => {
  it('lists every host of a seed list, without credentials, ports or options', () => {
    expect(connectionStringHosts('mongodb://u:p@a.example:27017,b.example,[::1]:27018/db?replicaSet=rs')).toEqual([
      'a.example',
      'b.example',
      '::1',
    ]);
    expect(connectionStringHosts('mongodb+srv://u:p%40@cluster0.example.net/?retryWrites=true')).toEqual([
      'cluster0.example.net',
    ]);
    expect(connectionStringHosts('postgres://postgres.ref:pw@aws-0.pooler.supabase.com:5432/postgres')).toEqual([
      'aws-0.pooler.supabase.com',
    ]);
  });
});

describe('private targets (TRIBUTARY_ALLOW_PRIVATE_DESTINATIONS=false)', () => {
  const refuse = { payloadUrl: () => '', allowPrivateNetworks: false };
  it('are refused at creation with bad_request, before any connection', async () => {
    const checks = [
      sqlDestination.verify(
        sqlDestination.parseConfig({ scheme: 'postgres', host: '127.0.0.1', database: 'd', username: 'u' }),
        refuse,
      ),
      mongodbDestination.verify(
        mongodbDestination.parseConfig({ uri: 'mongodb://10.1.2.3:27017/', database: 'd' }),
        refuse,
      ),
      supabaseDestination.verify(
        supabaseDestination.parseConfig({
          url: 'https://192.168.1.5',
          service_role_key: 'k'.repeat(40),
          database_url: 'postgres://u@db.example/d',
        }),
        refuse,
      ),
    ];
    // Settled together: each check rejects on its own schedule (the driver module loads first).
    for (const settled of await Promise.allSettled(checks)) {
      const error = settled.status === 'rejected' ? (settled.reason as unknown) : undefined;
      expect(isTributaryError(error) && error.code).toBe('bad_request');
      expect((error as Error).message).toMatch(/private, loopback, link-local and cloud-internal targets are disabled/);
    }
  });
});

describe('other formats', () => {
  it('keeps a FHIR Bundle (format fhir) whole as an other payload instead of dropping it', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Observation' } }],
    };
    const rows = terraRows({
      ...event({ type: 'activity' }, 'evt-fhir'),
      body: JSON.stringify(bundle),
      payload: bundle,
    });
    expect(rows.data).toEqual([]);
    expect(rows.other).toEqual([
      expect.objectContaining({
        payload_id: 'evt-fhir',
        user_id: 'u-1',
        data_type: 'activity',
        payload: JSON.stringify(bundle),
      }),
    ]);
  });

  it('keeps the FIT link of a format fit activity in each record payload', () => {
    const payload = {
      type: 'activity',
      format: 'fit',
      user,
      data: [{ metadata: { summary_id: 's1', start_time: '2026-03-12T06:00:00Z' } }],
      url: 'https://t/fit/1',
      expires_in: 86400,
      version: '2022-03-16',
    };
    const [row] = terraRows(event(payload)).data;
    expect(JSON.parse(row.payload)).toEqual(payload);
  });
});
