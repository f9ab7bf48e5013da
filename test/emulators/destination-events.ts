import { createServer, type Server } from 'node:http';
import type { DestinationEvent, DestinationServices } from '../../src/delivery/destinations/destination.ts';
import { dataEvent, terraUser } from '../../src/delivery/terra-events.ts';
import type { User } from '../../src/store/store.ts';

/**
 * Terra-shaped events, built with the same builders the delivery machinery uses, for the
 * destination tests (one of each kind a destination must handle).
 */
export const TEST_USER: User = {
  userId: '6f1c2b1e-3d4a-4f7e-9a9b-0c1d2e3f4a5b',
  devId: 'dev-destinations',
  provider: 'IFIT',
  referenceId: 'customer-42',
  providerUserId: 'ifit-777',
  state: 'active' as User['state'],
  active: true,
  scopes: null,
  lastWebhookUpdate: null,
  createdAt: '2026-03-01T10:00:00.000000+00:00',
};

let sequence = 0;

export function destinationEvent(
  type: string,
  payload: Record<string, unknown>,
  overrides: Partial<DestinationEvent> = {},
): DestinationEvent {
  sequence += 1;
  const eventId = overrides.eventId ?? `evt_${type}_${sequence}_${Math.random().toString(36).slice(2, 8)}`;
  const body = JSON.stringify(payload);
  return {
    eventId,
    type,
    userId:
      overrides.userId !== undefined
        ? overrides.userId
        : ((payload.user as { user_id?: string } | undefined)?.user_id ?? null),
    reference: null,
    body,
    payload,
    traceId: `trace-${eventId}`,
    orderingTimestamp: Date.parse('2026-03-12T07:30:00.000Z') + sequence,
    ...overrides,
  };
}

export function activity(
  startTime: string,
  summaryId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    metadata: {
      summary_id: summaryId,
      start_time: startTime,
      end_time: startTime.replace('T06:', 'T07:'),
      type: 1,
      name: 'Treadmill run',
    },
    distance_data: { summary: { distance_meters: 5012.5 } },
    ...extra,
  };
}

/** One event of every kind: data (several records, one record, athlete), auth-type and healthcheck. */
export function eventsOfEveryKind(): Record<string, DestinationEvent> {
  const user = terraUser(TEST_USER);
  return {
    activity: destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [
        activity('2026-03-12T06:00:00.000000+00:00', 'log-1'),
        activity('2026-03-13T06:00:00.000000+00:00', 'log-2'),
      ]),
    ),
    sleep: destinationEvent(
      'sleep',
      dataEvent('sleep', TEST_USER, [
        {
          metadata: {
            summary_id: 's-1',
            start_time: '2026-03-11T22:10:00.000000+00:00',
            end_time: '2026-03-12T06:00:00.000000+00:00',
          },
        },
      ]),
    ),
    athlete: destinationEvent(
      'athlete',
      dataEvent('athlete', TEST_USER, [{ first_name: 'Ada', last_name: 'L', sex: 'female' }]),
    ),
    auth: destinationEvent('auth', {
      type: 'auth',
      status: 'success',
      user,
      reference_id: 'customer-42',
      widget_session_id: 'ws-1',
    }),
    deauth: destinationEvent('deauth', {
      type: 'deauth',
      status: 'success',
      user,
      message: 'User has deauthenticated',
    }),
    healthcheck: destinationEvent(
      'healthcheck',
      {
        type: 'healthcheck',
        status: 'success',
        creation_timestamp: '2026-03-12T07:30:00.000000+00:00',
        trend_percentage: 0,
        sent_webhooks_last_hour: 3,
      },
      { userId: null },
    ),
  };
}

/**
 * A stand-in for the part of Tributary that serves signed payload and FIT URLs (owned by the
 * delivery machinery): `payloadUrl`/`fitUrl` point at this loopback server, which answers the
 * registered event bodies and FIT bytes.
 */
export interface PayloadServer {
  services: DestinationServices;
  /** Same, with `fitUrl` (a destination whose format is FIT). */
  fitServices: DestinationServices;
  register(event: DestinationEvent, fit?: Uint8Array): void;
  url: string;
  close(): Promise<void>;
}

export async function startPayloadServer(): Promise<PayloadServer> {
  const bodies = new Map<string, string>();
  const fits = new Map<string, Uint8Array>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, kind, eventId] = url.pathname.split('/');
    const expires = Number(url.searchParams.get('expires'));
    if (!(expires > Date.now() / 1000)) return void res.writeHead(410).end();
    if (kind === 'payload' && bodies.has(eventId))
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(bodies.get(eventId));
    if (kind === 'fit' && fits.has(eventId))
      return void res.writeHead(200, { 'content-type': 'application/vnd.ant.fit' }).end(fits.get(eventId));
    res.writeHead(404).end();
  });
  const port = await new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
  const url = `http://127.0.0.1:${port}`;
  const signed = (kind: string) => (eventId: string, ttl: number) =>
    `${url}/${kind}/${encodeURIComponent(eventId)}?expires=${Math.floor(Date.now() / 1000) + ttl}&signature=test`;
  const services: DestinationServices = { payloadUrl: signed('payload') };
  return {
    url,
    services,
    fitServices: { payloadUrl: signed('payload'), fitUrl: signed('fit') },
    register(event, fit) {
      bodies.set(event.eventId, event.body);
      if (fit) fits.set(event.eventId, fit);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
