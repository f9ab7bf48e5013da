import { describe, expect, it } from 'vitest';
import type {
  Destination,
  DestinationEvent,
  DestinationServices,
} from '../../src/delivery/destinations/destination.ts';
import {
  lazyDestination,
  type DestinationDescription,
  type DestinationImplementation,
} from '../../src/delivery/destinations/lazy-destination.ts';
import { z } from 'zod';

const services: DestinationServices = { payloadUrl: (id) => `http://127.0.0.1/payloads/${id}` };
const event = { eventId: 'e1', type: 'activity', body: '{}', payload: {} } as DestinationEvent;

const description: DestinationDescription<{ name: string }> = {
  type: 'fake',
  configSchema: z.object({ name: z.string() }),
  parseConfig: (input) => input as { name: string },
  secretFields: [],
  summary: 'a fake',
  docs: { page: 'docs/destinations/fake.md', permissions: 'none', testedAgainst: 'nothing' },
  contractSuite: 'test/destinations/lazy-destination.test.ts',
};

/** An implementation module that records what was asked of it; `failLoads`/`failOpens` make the first ones throw. */
function fakeModule(options: { failLoads?: number; failOpens?: number } = {}) {
  const calls = { loads: 0, opens: 0, verifies: [] as string[], delivered: [] as string[], closed: 0 };
  let failLoads = options.failLoads ?? 0;
  let failOpens = options.failOpens ?? 0;
  const implementation: DestinationImplementation<{ name: string }> = {
    open(config): Destination {
      calls.opens++;
      if (failOpens-- > 0) throw new Error('open failed');
      return {
        deliver: async (e) => {
          calls.delivered.push(`${config.name}:${e.eventId}`);
          return { ok: true };
        },
        close: async () => {
          calls.closed++;
        },
      };
    },
    async verify(config) {
      calls.verifies.push(config.name);
    },
  };
  const load = async () => {
    calls.loads++;
    if (failLoads-- > 0) throw new Error('Cannot find package');
    return implementation;
  };
  return { calls, load };
}

describe('lazyDestination', () => {
  it('keeps the description and imports the implementation only on first use, once', async () => {
    const { calls, load } = fakeModule();
    const definition = lazyDestination(description, load);
    expect(definition.type).toBe('fake');
    expect(definition.summary).toBe('a fake');
    expect(definition.parseConfig({ name: 'a' })).toEqual({ name: 'a' });
    const opened = definition.open({ name: 'a' }, services);
    expect(calls.loads).toBe(0);

    await definition.verify({ name: 'v' }, services);
    expect(calls).toMatchObject({ loads: 1, verifies: ['v'], opens: 0 });
    expect(await opened.deliver(event)).toEqual({ ok: true });
    expect(await opened.deliver({ ...event, eventId: 'e2' })).toEqual({ ok: true });
    expect(calls).toMatchObject({ loads: 1, opens: 1, delivered: ['a:e1', 'a:e2'] });
    await opened.close();
    expect(calls.closed).toBe(1);
  });

  it('a module that fails to load fails that use, and is loaded again by the next', async () => {
    const { calls, load } = fakeModule({ failLoads: 1 });
    const definition = lazyDestination(description, load);
    await expect(definition.verify({ name: 'v' }, services)).rejects.toThrow('Cannot find package');
    await definition.verify({ name: 'v' }, services);
    expect(calls).toMatchObject({ loads: 2, verifies: ['v'] });
  });

  it('an open that throws fails that delivery (the machinery records a retryable failure) and is retried by the next', async () => {
    const { calls, load } = fakeModule({ failOpens: 1 });
    const opened = lazyDestination(description, load).open({ name: 'a' }, services);
    await expect(opened.deliver(event)).rejects.toThrow('open failed');
    expect(await opened.deliver(event)).toEqual({ ok: true });
    expect(calls).toMatchObject({ loads: 1, opens: 2, delivered: ['a:e1'] });
  });

  it('closing a destination that never delivered loads nothing', async () => {
    const { calls, load } = fakeModule();
    await lazyDestination(description, load).open({ name: 'a' }, services).close();
    expect(calls).toMatchObject({ loads: 0, opens: 0, closed: 0 });
  });
});
