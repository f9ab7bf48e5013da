import { webhookUrl } from '../../ingest/subscriptions.ts';
import type { RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import { listProviderSubscriptions } from './provider-subscriptions.contract.ts';

/** `GET /v2/providers/subscriptions`: managed webhook subscriptions, as each provider reports them. */
export const providerSubscriptionRoutes: RouteModule = (app, ctx) => {
  serve(app, listProviderSubscriptions, async () => {
    const providers = [];
    for (const provider of ctx.providers.list()) {
      if (!provider.subscriptions) continue;
      const callbackUrl = webhookUrl(ctx.config.publicUrl, provider);
      const base = {
        provider: provider.capabilities.name,
        callback_url: callbackUrl,
        wanted: provider.subscriptions.wanted.length,
      };
      try {
        const list = await provider.subscriptions.list();
        providers.push({
          ...base,
          subscriptions: list.map((s) => ({
            id: s.id,
            data_type: s.dataType,
            event_type: s.eventType,
            callback_url: s.callbackUrl,
            expires_at: s.expiresAt,
            ours: s.callbackUrl === callbackUrl,
          })),
        });
      } catch (error) {
        providers.push({
          ...base,
          subscriptions: [],
          error: `${provider.capabilities.displayName} could not be asked: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
    return { providers };
  });
};
