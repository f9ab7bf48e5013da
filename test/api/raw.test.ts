import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { activity, body } from './records.ts';

interface Links {
  links: {
    natural_key: string;
    start_time: string | null;
    raw: { raw_id: string; bytes: number; external_id: string } | null;
  }[];
  parameter?: string;
}

describe.each(ENGINES)('raw payloads beside records (%s)', (engine) => {
  let t: TestApp;
  let user: User;
  const payload = JSON.stringify({ logId: 'log-42', steps: [1, 2, 3], note: 'verbatim ✓' });

  beforeAll(async () => {
    t = await startTestApp(engine, `raw-${engine}`);
    user = await t.app.store.users.create(t.devId, { provider: 'IFIT', state: 'connected' });
    await storeRecords(t.app.store, {
      user,
      type: 'activity',
      raw: {
        provider: 'IFIT',
        dataType: 'activity',
        externalId: 'log-42',
        contentType: 'application/json',
        body: payload,
      },
      records: [activity('a-1', '2024-03-02T07:00:00.000Z')],
    });
    // A record without a kept payload (written through the API).
    await storeRecords(t.app.store, { user, type: 'activity', records: [activity('a-2', '2024-03-05T07:00:00.000Z')] });
    await storeRecords(t.app.store, { user, type: 'body', records: [body('2024-03-02')] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async (path: string, headers = t.headers) => {
    const response = await fetch(`${t.url}${path}`, { headers });
    return response;
  };

  it('links each record of a range to its raw payload and serves the payload byte for byte', async () => {
    const response = await get(`/v2/users/${user.userId}/raw?type=activity&start_date=2024-03-01&end_date=2024-03-31`);
    expect(response.status).toBe(200);
    const answer = (await response.json()) as Links;
    expect(answer.links.map((l) => [l.natural_key, l.raw?.external_id ?? null])).toEqual([
      ['a-1', 'log-42'],
      ['a-2', null],
    ]);
    expect(answer.links[0]?.raw?.bytes).toBe(Buffer.byteLength(payload));
    expect(answer.links[0]?.start_time).toBe('2024-03-02T07:00:00.000Z');

    const raw = await get(`/v2/raw/${answer.links[0]!.raw!.raw_id}`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(raw.headers.get('content-disposition')).toContain('attachment');
    expect(raw.headers.get('content-security-policy')).toBe('sandbox');
    expect(await raw.text()).toBe(payload);

    const narrow = (await (
      await get(`/v2/users/${user.userId}/raw?type=activity&start_date=2024-03-04&end_date=2024-03-31`)
    ).json()) as Links;
    expect(narrow.links.map((l) => l.natural_key)).toEqual(['a-2']);
  });

  it('answers bad input with 400s naming the parameter and hides other developers’ payloads', async () => {
    const bad = async (query: string) =>
      ((await (await get(`/v2/users/${user.userId}/raw?${query}`)).json()) as Links).parameter;
    expect(await bad('type=steps&start_date=2024-03-01&end_date=2024-03-31')).toBe('type');
    expect(await bad('type=activity&end_date=2024-03-31')).toBe('start_date');
    expect(await bad('type=activity&start_date=2024-03-01&end_date=2024-03-31&limit=0')).toBe('limit');
    expect((await get(`/v2/users/nobody/raw?type=activity&start_date=2024-03-01&end_date=2024-03-31`)).status).toBe(
      404,
    );
    const links = (await (
      await get(`/v2/users/${user.userId}/raw?type=activity&start_date=2024-03-01&end_date=2024-03-31`)
    ).json()) as Links;
    const other = await t.otherDeveloper();
    expect((await get(`/v2/raw/${links.links[0]!.raw!.raw_id}`, other.headers)).status).toBe(404);
    expect(
      (await get(`/v2/users/${user.userId}/raw?type=activity&start_date=2024-03-01&end_date=2024-03-31`, other.headers))
        .status,
    ).toBe(404);
    expect((await get('/v2/raw/raw_unknown')).status).toBe(404);
  });
});
