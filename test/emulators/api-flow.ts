/* eslint-disable @typescript-eslint/no-explicit-any -- JSON bodies are freely shaped */
import { expect } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import { activity } from '../api/records.ts';
import { eventually } from '../delivery/eventually.ts';
import type { Engine } from '../helpers/engines.ts';
import { startTestApp } from '../helpers/harness.ts';

/**
 * One destination through the real API and delivery machinery: `POST /v2/destinations` refuses
 * a bad config with 400 and the reason, creates a good one without ever returning its
 * secrets, and an activity stored afterwards reaches the destination's server.
 */
export interface ApiFlow {
  type: string;
  config: Record<string, unknown>;
  secretFields: string[];
  badConfig: { config: Record<string, unknown>; message: RegExp };
  /** Resolves (truthy) once the stored activity for `userId` with `summaryId` is at the destination. */
  delivered(userId: string, summaryId: string): Promise<unknown>;
}

export async function runApiFlow(engine: Engine, flow: ApiFlow): Promise<void> {
  const t = await startTestApp(engine, `dest-${flow.type}`);
  try {
    const api = async (method: string, path: string, payload?: unknown) => {
      const response = await fetch(`${t.url}${path}`, {
        method,
        headers: { ...t.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
        body: payload === undefined ? undefined : JSON.stringify(payload),
      });
      return { status: response.status, text: await response.text() };
    };

    const refused = await api('POST', '/v2/destinations', { type: flow.type, config: flow.badConfig.config });
    expect(refused.status, refused.text).toBe(400);
    expect(JSON.parse(refused.text)).toMatchObject({
      status: 'error',
      code: 'bad_request',
      message: expect.stringMatching(flow.badConfig.message),
    });

    const created = await api('POST', '/v2/destinations', {
      type: flow.type,
      config: flow.config,
      event_types: ['activity'],
    });
    expect(created.status, created.text).toBe(201);
    const id = (JSON.parse(created.text) as any).id as string;
    const shown = [
      created.text,
      (await api('GET', `/v2/destinations/${id}`)).text,
      (await api('GET', '/v2/destinations')).text,
    ];
    for (const text of shown) {
      for (const field of flow.secretFields) {
        const value = flow.config[field];
        if (value !== undefined) expect(text).not.toContain(typeof value === 'string' ? value : JSON.stringify(value));
      }
    }

    const user = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected', scopes: 'activity' });
    const summaryId = `api-${flow.type}-${engine}`;
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity(summaryId, '2026-02-01T08:00:00Z')] });
    await eventually(() => flow.delivered(user.userId, summaryId), 20_000, `${flow.type} delivery`);
    // The object can be visible a moment before the machinery records the attempt.
    const deliveries = await eventually(
      async () => {
        const list = (JSON.parse((await api('GET', `/v2/deliveries?destination_id=${id}`)).text) as any)
          .deliveries as any[];
        return list.length === 1 && list[0].status === 'delivered' ? list : undefined;
      },
      10_000,
      'the delivery recorded as delivered',
    );
    expect(deliveries).toEqual([expect.objectContaining({ event_type: 'activity', status: 'delivered', attempts: 1 })]);
  } finally {
    await t.close();
  }
}
