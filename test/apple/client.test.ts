import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppleSdkClient,
  generateAuthToken,
  split,
  TributaryApiError,
} from '../../src/providers/apple/client/apple-sdk-client.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

const steps = (i: number) => ({
  uuid: `S-${i}`,
  type: 'HKQuantityTypeIdentifierStepCount',
  value: 10,
  unit: 'count',
  start_date: `2024-02-01T${String(8 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00+01:00`,
  end_date: `2024-02-01T${String(8 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:30+01:00`,
  source: { name: 'Watch' },
  device: { model: 'Watch' },
});

describe('Apple SDK reference client (sqlite)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'apple-client');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('connects, uploads in chunks, re-uploads idempotently and deletes', async () => {
    const { token } = await generateAuthToken({ baseUrl: t.url, devId: t.devId, apiKey: t.apiKey });
    const client = await AppleSdkClient.connect({ baseUrl: `${t.url}/`, token, referenceId: 'phone-1' });
    expect(client.sdkSecret).toBeTruthy();
    const chunked = new AppleSdkClient({
      baseUrl: t.url,
      userId: client.userId,
      sdkSecret: client.sdkSecret,
      maxItemsPerRequest: 40,
    });
    const samples = Array.from({ length: 100 }, (_, i) => steps(i));
    const first = await chunked.upload({ quantity_samples: samples });
    expect(first).toMatchObject({ accepted: 100, duplicates: 0 });
    expect(await chunked.upload({ quantity_samples: samples })).toMatchObject({
      accepted: 0,
      duplicates: 100,
      events: 0,
    });
    const read = async () => {
      const response = await fetch(
        `${t.url}/v2/daily?user_id=${client.userId}&start_date=2024-02-01&end_date=2024-02-01&to_webhook=false`,
        { headers: t.headers },
      );
      return ((await response.json()) as { data: { distance_data: { steps: number } }[] }).data[0]!.distance_data.steps;
    };
    expect(await read()).toBe(1000);
    expect(await chunked.delete(['S-0', 'S-1'])).toMatchObject({ deleted: 2 });
    expect(await read()).toBe(980);
    await expect(AppleSdkClient.connect({ baseUrl: t.url, token })).rejects.toBeInstanceOf(TributaryApiError);
    await expect(
      new AppleSdkClient({ baseUrl: t.url, userId: client.userId, sdkSecret: 'nope' }).upload({}),
    ).rejects.toMatchObject({ status: 401 });
  });

  it('splits batches keeping order', () => {
    const parts = split({ quantity_samples: [steps(0), steps(1), steps(2)], deleted: ['a', 'b'] }, 2);
    expect(parts.map((p) => [p.quantity_samples?.length ?? 0, p.deleted?.length ?? 0])).toEqual([
      [2, 0],
      [1, 1],
      [0, 1],
    ]);
  });
});
