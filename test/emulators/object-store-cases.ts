import { expect, it } from 'vitest';
import { TributaryError } from '../../src/core/errors.ts';
import type { DestinationDefinition } from '../../src/delivery/destinations/destination.ts';
import { dataEvent } from '../../src/delivery/terra-events.ts';
import { activity, destinationEvent, eventsOfEveryKind, TEST_USER, type PayloadServer } from './destination-events.ts';

/**
 * The cases every object-store destination (S3, GCS, Azure Blob) must pass against its
 * emulator: Terra's keys for each event kind, overwrite on redelivery, FIT beside the JSON,
 * server down then back, and a clear reason for bad configs. Shaped so they move onto the
 * shared contract suite (test/destinations/contract.ts) as they are.
 */
export interface ObjectStoreHarness<Config> {
  definition: DestinationDefinition<Config>;
  payloads(): PayloadServer;
  /** A valid config on a fresh, empty bucket/container. */
  freshConfig(extra?: Record<string, unknown>): Promise<Config>;
  listKeys(config: Config): Promise<string[]>;
  getObject(config: Config, key: string): Promise<{ body: Buffer; contentType: string | undefined }>;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Configs that must fail `verify`, each with the reason its message must contain. */
  badConfigs(config: Config): Array<{ name: string; config: Config; reason: RegExp }>;
  /** What a delivery failure says while the server is down. */
  downReason: RegExp;
}

export function objectStoreCases<Config>(h: ObjectStoreHarness<Config>): void {
  const U = TEST_USER.userId;

  it('verify: a real write succeeds and leaves nothing behind', async () => {
    const config = await h.freshConfig({ prefix: 'exports/' });
    await h.definition.verify(config, h.payloads().services);
    expect(await h.listKeys(config)).toEqual([]);
  });

  it('verify: bad credentials, a missing bucket and an unreachable server each give bad_request with the reason', async () => {
    const config = await h.freshConfig();
    for (const bad of h.badConfigs(config)) {
      const error = await h.definition.verify(bad.config, h.payloads().services).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, bad.name).toBeInstanceOf(TributaryError);
      expect((error as TributaryError).code, bad.name).toBe('bad_request');
      expect((error as TributaryError).message, bad.name).toMatch(bad.reason);
    }
    await h.down();
    try {
      const error = await h.definition.verify(config, h.payloads().services).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as TributaryError).code).toBe('bad_request');
      expect((error as TributaryError).message).toMatch(h.downReason);
    } finally {
      await h.up();
    }
  });

  it("delivers every event kind under Terra's keys", async () => {
    const config = await h.freshConfig();
    const destination = h.definition.open(config, h.payloads().services);
    const events = eventsOfEveryKind();
    for (const event of Object.values(events)) expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    const stamp = (name: keyof typeof events) => new Date(events[name].orderingTimestamp).toISOString();
    expect(await h.listKeys(config)).toEqual(
      [
        `2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`,
        `2022-03-16/activity/${U}-2026-03-13T06:00:00.000000+00:00.json`,
        `2022-03-16/athlete/${U}.json`,
        `2022-03-16/auth/${U}-${stamp('auth')}.json`,
        `2022-03-16/deauth/${U}-${stamp('deauth')}.json`,
        `2022-03-16/healthcheck/${stamp('healthcheck')}.json`,
        `2022-03-16/sleep/${U}-2026-03-11T22:10:00.000000+00:00.json`,
      ].sort(),
    );
    const first = await h.getObject(config, `2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`);
    expect(first.contentType).toBe('application/json');
    const parsed = JSON.parse(first.body.toString('utf8'));
    expect(parsed).toMatchObject({ type: 'activity', user: { user_id: U }, version: '2022-03-16' });
    expect(parsed.data).toEqual([(events.activity.payload.data as unknown[])[0]]);
    expect(
      (await h.getObject(config, `2022-03-16/sleep/${U}-2026-03-11T22:10:00.000000+00:00.json`)).body.toString('utf8'),
    ).toBe(events.sleep.body);
    expect((await h.getObject(config, `2022-03-16/auth/${U}-${stamp('auth')}.json`)).body.toString('utf8')).toBe(
      events.auth.body,
    );
  });

  it('redelivery and updated records overwrite the same keys (no duplicates); the prefix is honoured', async () => {
    const config = await h.freshConfig({ prefix: '/tenant-a/' });
    const destination = h.definition.open(config, h.payloads().services);
    const event = eventsOfEveryKind().activity;
    expect(await destination.deliver(event)).toEqual({ ok: true });
    expect(await destination.deliver(event)).toEqual({ ok: true });
    const updated = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [
        activity('2026-03-12T06:00:00.000000+00:00', 'log-1', { calories_data: { total_burned_calories: 321 } }),
      ]),
    );
    expect(await destination.deliver(updated)).toEqual({ ok: true });
    await destination.close();
    const keys = await h.listKeys(config);
    expect(keys).toEqual([
      `tenant-a/2022-03-16/activity/${U}-2026-03-12T06:00:00.000000+00:00.json`,
      `tenant-a/2022-03-16/activity/${U}-2026-03-13T06:00:00.000000+00:00.json`,
    ]);
    expect((await h.getObject(config, keys[0])).body.toString('utf8')).toBe(updated.body);
  });

  it('format FIT: writes the FIT file beside the JSON, byte for byte', async () => {
    const config = await h.freshConfig();
    const destination = h.definition.open(config, h.payloads().fitServices);
    const event = destinationEvent(
      'activity',
      dataEvent('activity', TEST_USER, [activity('2026-03-12T06:00:00Z', 'log-9')]),
    );
    const fit = Uint8Array.from([14, 16, 0x5d, 0x08, 0x22, 0, 0, 0, 0x2e, 0x46, 0x49, 0x54, 1, 2, 3]);
    h.payloads().register(event, fit);
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect(await h.listKeys(config)).toEqual([
      `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.fit`,
      `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.json`,
    ]);
    const stored = await h.getObject(config, `2022-03-16/activity/${U}-2026-03-12T06:00:00Z.fit`);
    expect(new Uint8Array(stored.body)).toEqual(fit);
    expect(stored.contentType).toBe('application/vnd.ant.fit');
  });

  it('server down: the delivery fails as retryable with the reason, and succeeds once it is back', async () => {
    const config = await h.freshConfig();
    const destination = h.definition.open(config, h.payloads().services);
    const event = eventsOfEveryKind().deauth;
    await h.down();
    let outcome;
    try {
      outcome = await destination.deliver(event);
    } finally {
      await h.up();
    }
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(outcome.ok === false && outcome.error).toMatch(h.downReason);
    expect(await destination.deliver(event)).toEqual({ ok: true });
    await destination.close();
    expect(await h.listKeys(config)).toHaveLength(1);
  });
}
