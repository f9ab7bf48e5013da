import type { ConfiguredProvider } from '../../providers/provider.ts';
import { z } from 'zod';
import type { ApiContext, RouteModule } from '../context.ts';
import { booleanParam, defineTerraRoute, serve } from '../contract/index.ts';

/** The data-type flags of Terra's IntegrationProvider, plus Tributary's two additive ones. */
const TYPE_FLAGS = [
  'activity',
  'body',
  'nutrition',
  'daily',
  'sleep',
  'menstruation',
  'athlete',
  'planned_workout',
] as const;

/** GET /v2/integrations: the configured providers' names (public, like Terra's). */
export const listIntegrations = defineTerraRoute({ method: 'get', path: '/v2/integrations', public: true });

/** GET /v2/integrations/detailed: each provider's details; `sdk=true` adds the mobile-SDK ones. */
export const detailedIntegrations = defineTerraRoute({
  method: 'get',
  path: '/v2/integrations/detailed',
  public: true,
  query: z.object({ sdk: booleanParam(false) }),
});

/**
 * GET /v2/integrations and /v2/integrations/detailed: the providers the operator
 * configured, read from the registry's capabilities. Public (no API key), like Terra's.
 * A `dev-id` header on /detailed narrows the list to the providers that developer enabled.
 */
export const integrationRoutes: RouteModule = (app, ctx) => {
  serve(app, listIntegrations, async () => {
    const providers = ctx.providers.list();
    return {
      providers: providers.filter((p) => !p.capabilities.sdkOnly).map((p) => p.capabilities.name),
      sdk_resource: providers.filter((p) => p.capabilities.sdkOnly).map((p) => p.capabilities.name),
      status: 'success',
    };
  });

  serve(app, detailedIntegrations, async ({ query }, request) => {
    const includeSdk = query.sdk;
    const enabled = await enabledFor(ctx, request.headers['dev-id']);
    const providers = ctx.providers
      .list()
      .filter((p) => includeSdk || !p.capabilities.sdkOnly)
      .filter((p) => enabled === null || enabled.has(p.capabilities.name.toUpperCase()));
    return { status: 'success', providers: providers.map((p) => integrationProvider(ctx, p)) };
  });
};

/** The enabled provider names of the developer in `dev-id`, or null for "all" (no or unknown dev-id, or no restriction). */
async function enabledFor(ctx: ApiContext, devIdHeader: string | string[] | undefined): Promise<Set<string> | null> {
  const devId = Array.isArray(devIdHeader) ? devIdHeader[0] : devIdHeader;
  if (!devId) return null;
  const developer = await ctx.store.developers.get(devId);
  if (!developer?.enabledProviders) return null;
  return new Set(developer.enabledProviders.map((name) => name.toUpperCase()));
}

/** One provider of GET /v2/integrations/detailed (Terra's IntegrationProvider, every field set). */
export type IntegrationProvider = ReturnType<typeof integrationProvider>;

function integrationProvider(ctx: ApiContext, provider: ConfiguredProvider) {
  const { capabilities } = provider;
  const types: Record<string, boolean> = {};
  for (const flag of TYPE_FLAGS) types[flag] = capabilities.dataTypes.includes(flag);
  return {
    provider: capabilities.name,
    name: capabilities.displayName,
    icon: absolute(ctx.config.publicUrl, capabilities.icon),
    // Terra names how the integration's keys are managed; a self-hosted operator brings
    // their own, so Tributary says how the user connects instead.
    setup: capabilities.auth.toUpperCase(),
    enabled: true,
    types,
  };
}

function absolute(base: string, icon: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(icon) ? icon : `${base}/${icon.replace(/^\/+/, '')}`;
}
