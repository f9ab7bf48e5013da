import type { Config } from '../core/config.ts';
import type { SecretBox } from '../core/crypto.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Signal } from '../core/signal.ts';
import { openQueue } from '../queue/index.ts';
import type { DataRequest, Store, User } from '../store/store.ts';
import { PayloadUrls } from './payload-urls.ts';
import { FitLinks } from '../export/fit/links.ts';
import { DeliveryService, LEASE_MARGIN_MS } from './service.ts';
import { deliveryTasks, type Task } from './tasks.ts';

export interface OpenedDelivery {
  service: DeliveryService;
  webhookReads: { accept(request: DataRequest, user: User): Promise<Record<string, unknown>> };
  /** The queue engine, for health checks and the queue-depth metric. */
  queue: { readonly engine: string; readonly name: string; ping(): Promise<void>; pendingCount(): Promise<number> };
  /** Worker-role loops: dispatcher, queue consumer, sweep. */
  tasks: Task[];
  close(): Promise<void>;
}

/** Wires delivery from the config: the queue engine (embedded, or BullMQ with TRIBUTARY_QUEUE_URL) and the service. */
export async function openDelivery(input: {
  config: Config;
  store: Store;
  box: SecretBox;
  encryptionKeyHex: string;
  logger: Logger;
  eventsCommitted: Signal;
  metrics?: Metrics;
}): Promise<OpenedDelivery> {
  const { config } = input;
  const leaseMs = config.webhookTimeoutMs + LEASE_MARGIN_MS;
  const queue = await openQueue({
    name: 'deliveries',
    url: config.queueUrl,
    prefix: config.queuePrefix,
    jobs: input.store.jobs,
    leaseMs,
    retryDelayMs: 5000,
  });
  const service = new DeliveryService({
    store: input.store,
    box: input.box,
    queue,
    logger: input.logger.child({ component: 'delivery' }),
    eventsCommitted: input.eventsCommitted,
    // Read at use time: tests and proxies may set the public URL after start-up.
    payloadUrls: new PayloadUrls(input.encryptionKeyHex, () => config.publicUrl),
    fitLinks: new FitLinks(input.encryptionKeyHex, () => config.publicUrl),
    metrics: input.metrics,
    settings: {
      timeoutMs: config.webhookTimeoutMs,
      retryScheduleSeconds: config.webhookRetrySchedule,
      allowPrivateNetworks: config.allowPrivateDestinations,
      allowAmbientCredentials: config.allowAmbientCredentials,
      disableAfterSeconds: config.destinationDisableAfterSeconds,
      destinationConcurrency: config.destinationConcurrency,
      developerConcurrency: config.developerConcurrency,
      retentionDays: config.retentionDays,
      readCopyRetentionHours: config.readCopyRetentionHours,
    },
  });
  return {
    service,
    queue,
    webhookReads: { accept: (request, user) => service.acceptRead(request, user) },
    tasks: deliveryTasks(service, input.eventsCommitted, input.logger),
    async close() {
      await service.close();
      await queue.close();
    },
  };
}
