import { parseArgs } from 'node:util';
import { encryptionKey, openConfiguredStore } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { reconcileSubscriptions, webhookUrl } from '../ingest/subscriptions.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { UsageError } from './usage.ts';

/**
 * `tributary subscriptions [--sync] [--json]`: each configured provider's webhook
 * subscriptions as the provider reports them (data type, event type, expiry); `--sync`
 * first creates missing ones and renews those expiring within a week, as the worker does hourly.
 */
export async function subscriptionsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { sync: { type: 'boolean' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const config = loadConfig(process.env);
  const providers = createProviderRegistry(config.providers, {
    publicUrl: config.publicUrl,
    encryptionKeyHex: encryptionKey(config),
  });
  const managed = providers.list().filter((p) => p.subscriptions);
  const store = values.sync ? await openConfiguredStore(config) : undefined;
  const out: Record<string, unknown>[] = [];
  const lines: string[] = [];
  try {
    for (const provider of managed) {
      const name = provider.capabilities.name;
      const callbackUrl = webhookUrl(config.publicUrl, provider);
      const result = store ? await reconcileSubscriptions(store, provider, config.publicUrl) : undefined;
      const list = result?.subscriptions ?? (await provider.subscriptions!.list());
      out.push({
        provider: name,
        callback_url: callbackUrl,
        created: result?.created,
        renewed: result?.renewed,
        subscriptions: list,
      });
      lines.push(`${name} → ${callbackUrl}${result ? ` (created ${result.created}, renewed ${result.renewed})` : ''}`);
      for (const s of list)
        lines.push(
          `  ${s.dataType}/${s.eventType}  ${s.id}  expires ${s.expiresAt ?? 'never'}${s.callbackUrl === callbackUrl ? '' : `  (other callback ${s.callbackUrl})`}`,
        );
    }
  } finally {
    await store?.close();
  }
  if (managed.length === 0) lines.push('No configured provider manages webhook subscriptions (see README: Oura).');
  process.stdout.write(values.json ? JSON.stringify({ providers: out }) + '\n' : lines.join('\n') + '\n');
  return 0;
}
