import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import type { ApiContext } from '../../src/api/context.ts';
import type { ProviderCapabilities, ProviderDefinition } from '../../src/providers/provider.ts';
import { createProviderRegistry, PROVIDER_DEFINITIONS } from '../../src/providers/registry.ts';
import { call } from './client.ts';

/** A definition built here, so these tests do not depend on which real providers exist. */
function definition(
  capabilities: Partial<ProviderCapabilities> & { name: string },
  requiredSetting?: string,
): ProviderDefinition {
  const full: ProviderCapabilities = {
    displayName: capabilities.name.toLowerCase(),
    icon: `/static/${capabilities.name.toLowerCase()}.svg`,
    dataTypes: ['activity'],
    auth: 'oauth2',
    sync: 'poll',
    historyDays: null,
    sdkOnly: false,
    ...capabilities,
  };
  return {
    capabilities: full,
    settings: requiredSetting ? [{ key: requiredSetting, description: 'required', required: true }] : [],
    setup: { kind: 'none', steps: '' },
    docs: '',
    configure: (settings) => (requiredSetting && !settings[requiredSetting] ? undefined : { capabilities: full }),
  };
}

const DEFINITIONS = [
  definition({
    name: 'TREADCO',
    displayName: 'Treadco',
    dataTypes: ['activity', 'body', 'athlete'],
    auth: 'password',
    icon: 'https://cdn.example/treadco.png',
  }),
  definition({
    name: 'PHONEKIT',
    displayName: 'Phone Kit',
    dataTypes: ['activity', 'sleep', 'daily', 'body', 'nutrition', 'menstruation'],
    auth: 'mobile_sdk',
    sync: 'push',
    sdkOnly: true,
  }),
  definition({ name: 'FILES', displayName: 'Workout files', dataTypes: ['activity'], auth: 'upload', sync: 'upload' }),
  definition({ name: 'UNCONFIGURED' }, 'CLIENT_ID'),
];

describe.each(ENGINES)('integrations (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, `integrations-${engine}`);
    (t.app.context as { providers: ApiContext['providers'] }).providers = createProviderRegistry(
      {},
      { publicUrl: t.app.config.publicUrl },
      DEFINITIONS,
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /v2/integrations is public and lists configured providers, SDK-only ones under sdk_resource', async () => {
    const { status, body } = await call(t, 'GET', '/v2/integrations', { headers: null });
    expect(status).toBe(200);
    expect(body).toEqual({ providers: ['TREADCO', 'FILES'], sdk_resource: ['PHONEKIT'], status: 'success' });
  });

  it('public routes ignore keys: a wrong x-api-key is not a 401 there (it is elsewhere)', async () => {
    const wrong = { 'dev-id': t.devId, 'x-api-key': 'wrong' };
    expect((await call(t, 'GET', '/v2/integrations', { headers: wrong })).status).toBe(200);
    expect((await call(t, 'GET', '/v2/integrations/detailed', { headers: wrong })).status).toBe(200);
    expect((await call(t, 'GET', '/v2/subscriptions', { headers: wrong })).status).toBe(401);
  });

  it('GET /v2/integrations/detailed is public and describes each provider with its data types', async () => {
    const { status, body } = await call(t, 'GET', '/v2/integrations/detailed', { headers: null });
    expect(status).toBe(200);
    expect(body.status).toBe('success');
    expect(body.providers).toEqual([
      {
        provider: 'TREADCO',
        name: 'Treadco',
        icon: 'https://cdn.example/treadco.png',
        setup: 'PASSWORD',
        enabled: true,
        types: {
          activity: true,
          body: true,
          nutrition: false,
          daily: false,
          sleep: false,
          menstruation: false,
          athlete: true,
          planned_workout: false,
        },
      },
      {
        provider: 'FILES',
        name: 'Workout files',
        icon: `${t.app.config.publicUrl}/static/files.svg`,
        setup: 'UPLOAD',
        enabled: true,
        types: {
          activity: true,
          body: false,
          nutrition: false,
          daily: false,
          sleep: false,
          menstruation: false,
          athlete: false,
          planned_workout: false,
        },
      },
    ]);
  });

  it('sdk=true adds SDK-only providers; a bad sdk value is a 400 naming it', async () => {
    const { body } = await call(t, 'GET', '/v2/integrations/detailed?sdk=true', { headers: null });
    expect(body.providers.map((p: { provider: string }) => p.provider)).toEqual(['TREADCO', 'PHONEKIT', 'FILES']);
    expect(body.providers[1]).toMatchObject({ setup: 'MOBILE_SDK', types: { sleep: true, menstruation: true } });
    const bad = await call(t, 'GET', '/v2/integrations/detailed?sdk=maybe', { headers: null });
    expect(bad.status).toBe(400);
    expect(bad.body.parameter).toBe('sdk');
  });

  it('a dev-id header narrows /detailed to that developer’s enabled providers', async () => {
    const other = await t.otherDeveloper();
    await t.app.store.developers.setEnabledProviders(other.devId, ['files']);
    const scoped = await call(t, 'GET', '/v2/integrations/detailed', { headers: { 'dev-id': other.devId } });
    expect(scoped.body.providers.map((p: { provider: string }) => p.provider)).toEqual(['FILES']);
    // A developer without a restriction, or an unknown dev-id, sees everything configured.
    for (const devId of [t.devId, 'no-such-dev']) {
      const all = await call(t, 'GET', '/v2/integrations/detailed', { headers: { 'dev-id': devId } });
      expect(all.body.providers.map((p: { provider: string }) => p.provider)).toEqual(['TREADCO', 'FILES']);
    }
  });

  it('with the real provider definitions, lists exactly what the registry configured', async () => {
    const real = createProviderRegistry(
      t.app.config.providers,
      { publicUrl: t.app.config.publicUrl },
      PROVIDER_DEFINITIONS,
    );
    (t.app.context as { providers: ApiContext['providers'] }).providers = real;
    try {
      const { body } = await call(t, 'GET', '/v2/integrations', { headers: null });
      const configured = real.list();
      expect(body.providers).toEqual(configured.filter((p) => !p.capabilities.sdkOnly).map((p) => p.capabilities.name));
      expect(body.sdk_resource).toEqual(
        configured.filter((p) => p.capabilities.sdkOnly).map((p) => p.capabilities.name),
      );
      const detailed = await call(t, 'GET', '/v2/integrations/detailed?sdk=true', { headers: null });
      expect(detailed.body.providers.map((p: { provider: string }) => p.provider)).toEqual(
        configured.map((p) => p.capabilities.name),
      );
      for (const entry of detailed.body.providers) {
        // An absolute URL (http(s) or an inline data: image), usable as <img src> anywhere.
        expect(() => new URL(entry.icon), entry.icon).not.toThrow();
        expect(Object.values(entry.types).some(Boolean)).toBe(true);
      }
    } finally {
      (t.app.context as { providers: ApiContext['providers'] }).providers = createProviderRegistry(
        {},
        { publicUrl: t.app.config.publicUrl },
        DEFINITIONS,
      );
    }
  });
});
