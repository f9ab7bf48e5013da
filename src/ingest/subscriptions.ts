import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/logger.ts';
import type { ConfiguredProvider, ProviderSubscription } from '../providers/provider.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Store } from '../store/store.ts';

const DAY_MS = 86_400_000;

export interface ReconcileResult {
  provider: string;
  callbackUrl: string;
  created: number;
  renewed: number;
  subscriptions: ProviderSubscription[];
}

/** Where a provider delivers: `TRIBUTARY_PUBLIC_URL/providers/<name>/webhook`. */
export function webhookUrl(publicUrl: string, provider: ConfiguredProvider): string {
  return `${publicUrl}/providers/${provider.capabilities.name.toLowerCase()}/webhook`;
}

/**
 * Brings a provider's subscriptions in line: creates each wanted (data type, event type)
 * that has none for our callback, renews those expiring within `renewWithinMs`. One
 * process at a time (a lease in the store); returns undefined when another holds it.
 */
export async function reconcileSubscriptions(
  store: Store,
  provider: ConfiguredProvider,
  publicUrl: string,
  options: { renewWithinMs?: number; now?: number } = {},
): Promise<ReconcileResult | undefined> {
  const subscriptions = provider.subscriptions;
  if (!subscriptions) return undefined;
  const lease = `subscriptions:${provider.capabilities.name}`;
  const holder = randomBytes(8).toString('hex');
  if (!(await store.leases.acquire(lease, holder, 5 * 60_000))) return undefined;
  try {
    const now = options.now ?? Date.now();
    const renewWithinMs = options.renewWithinMs ?? 7 * DAY_MS;
    const callbackUrl = webhookUrl(publicUrl, provider);
    const existing = (await subscriptions.list()).filter((s) => s.callbackUrl === callbackUrl);
    let created = 0;
    let renewed = 0;
    const result: ProviderSubscription[] = [];
    for (const wanted of subscriptions.wanted) {
      const found = existing.find((s) => s.dataType === wanted.dataType && s.eventType === wanted.eventType);
      if (!found) {
        result.push(await subscriptions.create({ ...wanted, callbackUrl }));
        created++;
      } else if (found.expiresAt !== null && Date.parse(found.expiresAt) - now < renewWithinMs) {
        result.push(await subscriptions.renew(found.id));
        renewed++;
      } else result.push(found);
    }
    return { provider: provider.capabilities.name, callbackUrl, created, renewed, subscriptions: result };
  } finally {
    await store.leases.release(lease, holder);
  }
}

/** Worker-role loop: reconciles every configured provider's subscriptions now and then every `intervalMs`. */
export function subscriptionTask(
  input: { store: Store; providers: ProviderRegistry; publicUrl: () => string; logger: Logger },
  options: { intervalMs?: number } = {},
): { name: string; start(): void; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = (async () => {
      for (const provider of input.providers.list().filter((p) => p.subscriptions)) {
        try {
          const result = await reconcileSubscriptions(input.store, provider, input.publicUrl());
          if (result && (result.created || result.renewed))
            input.logger.info('provider subscriptions reconciled', {
              provider: result.provider,
              created: result.created,
              renewed: result.renewed,
            });
        } catch (error) {
          input.logger.warn('provider subscriptions could not be reconciled', {
            provider: provider.capabilities.name,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }
    })();
  };
  return {
    name: 'provider-subscriptions',
    start() {
      tick();
      timer = setInterval(tick, options.intervalMs ?? 3_600_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
