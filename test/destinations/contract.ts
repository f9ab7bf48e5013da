import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTributaryError } from '../../src/core/errors.ts';
import { ATTEMPT_BUDGET_MS } from '../helpers/budget.ts';
import type {
  Destination,
  DestinationDefinition,
  DestinationEvent,
  DestinationServices,
} from '../../src/delivery/destinations/destination.ts';
import { destinationDefinition } from '../../src/delivery/destinations/registry.ts';
import { activity, dataPayload, destinationEvent, eventCatalogue, testUser, withPayload } from './events.ts';

/**
 * The one contract every destination passes. A destination's test file starts its real server
 * (or the vendor's emulator) and hands over a `ContractTarget`; the suite then checks, against
 * that server: config parsing, verify with a real connection, delivery of every event kind,
 * idempotent redelivery, an outage followed by a successful retry, and bad credentials.
 *
 *   destinationContract('sql (postgres)', async () => ({ definition, config, ... }));
 */
export interface ContractTarget {
  definition: DestinationDefinition<never>;
  /** A valid config (as POSTed) pointing at the server under test. */
  config: Record<string, unknown>;
  /** A config the schema rejects, and the parameter the error must name (e.g. `config.port`). */
  invalidConfig: { config: unknown; parameter: string };
  /**
   * Configs with wrong credentials / unreachable servers: parseConfig or verify must throw
   * bad_request matching `message`. `during` arranges the environment for that one check
   * (e.g. takes the server down when the address comes from an environment variable) and
   * resolves with the function that undoes it.
   */
  badConfigs: { name: string; config: unknown; message: RegExp; during?: () => Promise<() => Promise<void>> }[];
  /**
   * What the destination stored for this event, read back from the server in Terra's terms:
   * for a data event the records (`data[]` items, or the `athlete` object), for any other event
   * the event payload itself. Order does not matter.
   */
  stored(event: DestinationEvent): Promise<unknown[]>;
  /** How many payload rows / documents / objects the destination holds in total (users tables excluded). */
  count(): Promise<number>;
  /** Makes the server unreachable; resolves with a function that brings it back. */
  outage(): Promise<() => Promise<void>>;
  services?: DestinationServices;
  close(): Promise<void>;
}

const DEFAULT_SERVICES: DestinationServices = {
  payloadUrl: (eventId, expiresIn) => `http://127.0.0.1:1/v2/payloads/${eventId}?expires_in=${expiresIn}`,
  timeoutMs: ATTEMPT_BUDGET_MS,
};

export function destinationContract(name: string, setup: () => Promise<ContractTarget>): void {
  // A case makes a few attempts, and an attempt during an outage may take its whole budget
  // (clients that retry until their deadline): the test budget follows (targets use ATTEMPT_BUDGET_MS).
  describe(`destination contract: ${name}`, { timeout: 4 * ATTEMPT_BUDGET_MS }, () => {
    let target: ContractTarget;
    let destination: Destination;
    let services: DestinationServices;
    const parse = (config: unknown) => (target.definition as DestinationDefinition<unknown>).parseConfig(config);
    const open = () => (target.definition as DestinationDefinition<unknown>).open(parse(target.config), services);

    beforeAll(async () => {
      target = await setup();
      services = target.services ?? DEFAULT_SERVICES;
      destination = open();
    });
    afterAll(async () => {
      await destination?.close();
      await target?.close();
    });

    it('is registered under its type', () => {
      expect(destinationDefinition(target.definition.type)).toBe(target.definition);
    });

    it('parses its config and names secret fields that exist in it', () => {
      expect(() => parse(target.config)).not.toThrow();
      for (const field of target.definition.secretFields) expect(Object.keys(target.config)).toContain(field);
    });

    it('rejects an invalid config with bad_request naming the field', () => {
      const error = catchSync(() => parse(target.invalidConfig.config));
      expect(isTributaryError(error) && error.code).toBe('bad_request');
      expect((error as { details: Record<string, unknown> }).details.parameter).toBe(target.invalidConfig.parameter);
      expect((error as Error).message).toContain(target.invalidConfig.parameter);
    });

    it('verifies a good config with a real connection', async () => {
      await expect(
        (target.definition as DestinationDefinition<unknown>).verify(parse(target.config), services),
      ).resolves.toBeUndefined();
    });

    it('rejects bad credentials and unreachable servers with a clear bad_request', async () => {
      expect(target.badConfigs.length).toBeGreaterThan(0);
      for (const bad of target.badConfigs) {
        const undo = bad.during ? await bad.during() : undefined;
        let error: unknown;
        try {
          error = await catchAsync(async () => {
            const config = parse(bad.config);
            await (target.definition as DestinationDefinition<unknown>).verify(config, services);
          });
        } finally {
          await undo?.();
        }
        expect(error, bad.name).toBeDefined();
        expect(isTributaryError(error) && error.code, `${bad.name}: ${String(error)}`).toBe('bad_request');
        expect((error as Error).message, bad.name).toMatch(bad.message);
      }
    });

    const user = testUser();
    const catalogue = eventCatalogue(user);

    it('delivers every event kind and stores it in its layout', async () => {
      let expected = 0;
      for (const { name: kind, event, items } of catalogue) {
        const outcome = await destination.deliver(event);
        expect(outcome, kind).toEqual(expect.objectContaining({ ok: true }));
        expect(sortJson(await target.stored(event)), kind).toEqual(sortJson(items));
        expected += items.length;
      }
      expect(await target.count()).toBe(expected);
    });

    it('redelivery overwrites and never duplicates', async () => {
      const before = await target.count();
      for (const { event } of catalogue)
        expect(await destination.deliver(event)).toEqual(expect.objectContaining({ ok: true }));
      expect(await target.count()).toBe(before);

      // Terra re-sends a record as a superset of the earlier payload: same key, new content.
      const original = catalogue.find((entry) => entry.name === 'activity')!;
      const updatedRecords = (original.items as Record<string, unknown>[]).map((record) => ({
        ...record,
        device_data: { name: 'Treadmill X' },
      }));
      const updated = withPayload(original.event, dataPayload('activity', user, updatedRecords));
      expect(await destination.deliver(updated)).toEqual(expect.objectContaining({ ok: true }));
      expect(sortJson(await target.stored(updated))).toEqual(sortJson(updatedRecords));
      expect(await target.count()).toBe(before);
    });

    it('fails retryably while the server is down and delivers once it is back', async () => {
      const fresh = destinationEvent(
        dataPayload('activity', user, [
          activity('act-outage', '2026-03-13T06:00:00.000000+01:00', '2026-03-13T07:00:00.000000+01:00'),
        ]),
      );
      const before = await target.count();
      const restore = await target.outage();
      let outcome;
      try {
        outcome = await destination.deliver(fresh);
      } finally {
        await restore();
      }
      expect(outcome).toEqual(expect.objectContaining({ ok: false, retryable: true }));
      expect((outcome as { error: string }).error.length).toBeGreaterThan(0);

      const retried = await destination.deliver(fresh);
      expect(retried).toEqual(expect.objectContaining({ ok: true }));
      expect(sortJson(await target.stored(fresh))).toEqual(sortJson((fresh.payload.data as unknown[]) ?? []));
      expect(await target.count()).toBe(before + 1);
    });

    it('a second destination opened on the same server sees the tables/collections already there', async () => {
      const second = open();
      try {
        const event = destinationEvent({ type: 'deauth', status: 'success', user: testUser(), message: 'bye' });
        expect(await second.deliver(event)).toEqual(expect.objectContaining({ ok: true }));
        expect(await target.stored(event)).toEqual([event.payload]);
      } finally {
        await second.close();
      }
    });
  });
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function catchAsync(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Order-insensitive comparison of JSON values (arrays of stored items come back in any order). */
export function sortJson(items: unknown[]): unknown[] {
  return items.map((item) => normalize(item)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normalize(v)]),
    );
  }
  return value;
}
