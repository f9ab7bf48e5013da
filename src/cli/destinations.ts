import { parseArgs } from 'node:util';
import { destinationView, deliveryView } from '../api/routes/destinations.ts';
import { encryptionKey, openConfiguredStore } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import { SecretBox } from '../core/crypto.ts';
import { isTributaryError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { Signal } from '../core/signal.ts';
import { openDelivery } from '../delivery/open.ts';
import { DELIVERIES_USAGE, DESTINATIONS_USAGE } from './usage.ts';

const USAGE = `${DESTINATIONS_USAGE}\n${DELIVERIES_USAGE}`;

const OPTIONS = {
  'dev-id': { type: 'string' },
  type: { type: 'string' },
  url: { type: 'string' },
  mode: { type: 'string' },
  events: { type: 'string' },
  format: { type: 'string' },
  destination: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * `tributary destinations …` and `tributary deliveries …`: the destinations API from a shell,
 * working on the same store (and queue) as a running server, so a test send or a
 * redelivery made here is delivered by the server's worker.
 */
export async function destinationsCommand(group: 'destinations' | 'deliveries', args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  const devId = values['dev-id'];
  if (!sub || !devId) return usage();
  const config = loadConfig(process.env);
  const keyHex = encryptionKey(config);
  const box = new SecretBox(Buffer.from(keyHex, 'hex'));
  const store = await openConfiguredStore(config, { box });
  const delivery = await openDelivery({
    config,
    store,
    box,
    encryptionKeyHex: keyHex,
    logger: createLogger('silent'),
    eventsCommitted: new Signal(),
  });
  const service = delivery.service;
  const print = (value: Record<string, unknown>, text: string) =>
    process.stdout.write(values.json ? JSON.stringify(value) + '\n' : text + '\n');
  const id = positionals[0];
  try {
    if (!(await store.developers.get(devId))) throw new Error(`no developer ${devId}`);
    if (group === 'destinations') {
      switch (sub) {
        case 'create': {
          const { destination, generatedSecrets } = await service.createDestination(devId, {
            type: values.type ?? 'webhook',
            url: values.url,
            ...(values.mode ? { delivery_mode: values.mode } : {}),
            ...(values.events ? { event_types: values.events.split(',').map((s) => s.trim()) } : {}),
            ...(values.format ? { format: values.format } : {}),
          });
          const view = { ...destinationView(destination), ...generatedSecrets };
          print(
            view,
            `Destination ${destination.destinationId} created (${destination.type} → ${String(destination.config.url ?? '')}).${generatedSecrets.signing_secret ? `\n  signing secret: ${generatedSecrets.signing_secret}\n(Shown once; rotate it with: tributary destinations rotate-secret)` : ''}`,
          );
          return 0;
        }
        case 'list': {
          const list = await service.destinations.list(devId);
          print(
            { destinations: list.map(destinationView) },
            list.length === 0
              ? 'No destinations.'
              : list
                  .map(
                    (d) =>
                      `${d.destinationId}  ${d.type}  ${String(d.config.url ?? '')}  ${d.enabled ? 'active' : `disabled (${d.statusNotice ?? ''})`}`,
                  )
                  .join('\n'),
          );
          return 0;
        }
        case 'get':
        case 'delete':
        case 'rotate-secret':
        case 'test':
        case 'enable':
        case 'disable': {
          if (!id) return usage();
          if (sub === 'get') {
            const d = await service.getDestination(devId, id);
            print(destinationView(d), JSON.stringify(destinationView(d), null, 2));
          } else if (sub === 'delete') {
            await service.deleteDestination(devId, id);
            print({ status: 'success', id }, `Destination ${id} deleted.`);
          } else if (sub === 'rotate-secret') {
            const { generatedSecrets } = await service.rotateSecret(devId, id);
            print(generatedSecrets, `New signing secret: ${generatedSecrets.signing_secret ?? ''}`);
          } else if (sub === 'test') {
            const d = await service.sendTest(devId, id);
            print(deliveryView(d), `Healthcheck queued as delivery ${d.deliveryId} (a running worker sends it).`);
          } else {
            const d = await service.updateDestination(devId, id, { enabled: sub === 'enable' });
            print(destinationView(d), `Destination ${id} ${d.enabled ? 'enabled' : 'disabled'}.`);
          }
          return 0;
        }
      }
      return usage();
    }
    if (sub === 'list') {
      const { deliveries } = await service.listDeliveries(devId, {
        destination_id: values.destination,
        status: values.status,
        limit: values.limit,
      });
      print(
        { deliveries: deliveries.map((d) => deliveryView(d)) },
        deliveries.length === 0
          ? 'No deliveries.'
          : deliveries
              .map(
                (d) =>
                  `${d.deliveryId}  ${d.eventType}  ${d.status}  attempts=${d.attempts}${d.lastError ? `  last error: ${d.lastError}` : ''}`,
              )
              .join('\n'),
      );
      return 0;
    }
    if (sub === 'redeliver' && id) {
      const d = await service.redeliver(devId, id);
      print(deliveryView(d), `Delivery ${id} queued again (a running worker sends it).`);
      return 0;
    }
    return usage();
  } catch (error) {
    process.stderr.write(
      `tributary: ${isTributaryError(error) || error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  } finally {
    await delivery.close();
    await store.close();
  }
}

function usage(): number {
  process.stderr.write(`Usage:\n${USAGE}\n`);
  return 2;
}
