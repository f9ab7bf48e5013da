import { Decoder, Stream } from '@garmin/fitsdk';
import { Fhir } from 'fhir';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEvent } from '../../src/delivery/formats.ts';
import { decodeFit } from '../../src/formats/fit.ts';
import type { StoredEvent } from '../../src/store/store.ts';
import { eventually } from '../delivery/eventually.ts';
import { startReceiver } from '../delivery/receiver.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectSameAtFitResolution } from './compare.ts';
import { LOCAL_FIXTURES } from './fixtures.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RUN = readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'));

function storedEvent(type: string, payload: Obj): StoredEvent {
  return {
    eventId: 'evt_1',
    devId: 'dev',
    userId: 'u-1',
    type,
    reference: null,
    payload,
    createdAt: '2026-01-01T00:00:00Z',
    createdMs: Date.parse('2026-01-01T00:00:00Z'),
    dispatched: false,
  };
}

describe('destination formats (renderEvent)', () => {
  const activity = decodeFit(RUN)[0]!;
  const event = storedEvent('activity', {
    type: 'activity',
    user: { user_id: 'u-1' },
    data: [activity],
    version: '2022-03-16',
  });
  const fitUrl = (eventId: string, ttl: number) => `http://tributary.test/v2/events/${eventId}/activity.fit?ttl=${ttl}`;

  it('fit: an activity event carries a link to its FIT file and the activity metadata, not the samples', () => {
    const rendered = renderEvent('fit', event, { fitUrl });
    expect(rendered.payload).toEqual({
      type: 'activity',
      format: 'fit',
      user: { user_id: 'u-1' },
      data: [{ metadata: activity.metadata }],
      url: 'http://tributary.test/v2/events/evt_1/activity.fit?ttl=86400',
      expires_in: 86400,
      version: '2022-03-16',
    });
    expect(JSON.parse(rendered.body)).toEqual(rendered.payload);
  });

  it('fit: other events stay Terra JSON', () => {
    const auth = storedEvent('auth', { type: 'auth', status: 'success' });
    expect(renderEvent('fit', auth, { fitUrl }).body).toBe(JSON.stringify(auth.payload));
    const sleep = storedEvent('sleep', { type: 'sleep', data: [] });
    expect(renderEvent('fit', sleep, { fitUrl }).payload).toBe(sleep.payload);
  });

  it('fhir: a data event becomes a valid R4 Bundle; events without a mapping stay JSON', () => {
    const rendered = renderEvent('fhir', event);
    const bundle = rendered.payload as Obj;
    expect(bundle.resourceType).toBe('Bundle');
    expect(new Fhir().validate(bundle, { errorOnUnexpected: true }).valid).toBe(true);
    expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'Patient', id: 'u-1' });
    const athlete = storedEvent('athlete', { type: 'athlete', athlete: {} });
    expect(renderEvent('fhir', athlete).payload).toBe(athlete.payload);
  });
});

for (const engine of ENGINES) {
  describe(`a webhook destination with format "fit" (${engine})`, () => {
    let t: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    beforeAll(async () => {
      t = await startTestApp(engine, `fit-dest-${engine}`);
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
      await t?.close();
    });

    it('receives the FIT link of an uploaded activity; the link serves a FIT file equal to the stored activity, and only while signed', async () => {
      const api = (method: string, path: string, body?: unknown) =>
        fetch(`${t.url}${path}`, {
          method,
          headers: { ...t.headers, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
      const created = await api('POST', '/v2/destinations', {
        type: 'webhook',
        url: receiver.url,
        format: 'fit',
        event_types: ['activity'],
      });
      expect(created.status).toBeLessThan(300);
      const user = await t.app.store.users.create(t.devId, { provider: 'UPLOAD', state: 'connected' });
      const uploaded = await fetch(`${t.url}/v2/files?user_id=${user.userId}`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(RUN),
      });
      expect(uploaded.status).toBe(201);
      const [summaryId] = ((await uploaded.json()) as { summary_ids: string[] }).summary_ids;
      const message = await eventually(
        async () => receiver.received.map((r) => JSON.parse(r.body) as Obj).find((b) => b.type === 'activity'),
        20_000,
        'activity event delivered',
      );
      expect(message).toMatchObject({
        format: 'fit',
        data: [{ metadata: { summary_id: summaryId } }],
        expires_in: 86400,
      });
      expect(message.url).toMatch(new RegExp(`^${t.url}/v2/events/[^/]+/activity\\.fit\\?`));
      const response = await fetch(message.url); // no API key: the signature is the credential
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/vnd.ant.fit');
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(new Decoder(Stream.fromBuffer(bytes)).checkIntegrity()).toBe(true);
      const stored = await t.app.store.records.get(t.devId, user.userId, 'activity', summaryId!);
      expectSameAtFitResolution(stored!, decodeFit(bytes)[0]!);
      const tampered = new URL(message.url);
      tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 3600));
      expect((await fetch(tampered)).status).toBe(403);
    });
  });
}
