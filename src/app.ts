import type { FastifyInstance } from 'fastify';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ApiContext, RouteModule } from './api/context.ts';
import { authRoutes, hostedAuthPages } from './api/routes/auth.ts';
import { dashboardRoutes } from './api/routes/dashboard.ts';
import { dataReadRoutes } from './api/routes/data.ts';
import { deliveryRoutes, destinationRoutes } from './api/routes/destinations.ts';
import { docsRoutes } from './api/routes/docs.ts';
import { providerSubscriptionRoutes } from './api/routes/provider-subscriptions.ts';
import { eventRoutes } from './api/routes/events.ts';
import { filesRoutes, uploadPageRoutes } from './api/routes/files.ts';
import { healthRoutes } from './api/routes/health.ts';
import { metricsRoutes } from './api/routes/metrics.ts';
import { integrationRoutes } from './api/routes/integrations.ts';
import { keyRoutes } from './api/routes/keys.ts';
import { connectionHealthRoutes, uploadLinkRoutes } from './api/routes/connection-health.ts';
import { rawRoutes } from './api/routes/raw.ts';
import { StaleWatch } from './health/stale-watch.ts';
import { sdkRoutes } from './api/routes/sdk.ts';
import { userRoutes } from './api/routes/users.ts';
import { writeRoutes } from './api/routes/writes.ts';
import { buildServer } from './api/server.ts';
import { ConnectFlow } from './auth/connect.ts';
import type { Config } from './core/config.ts';
import { ENV } from './core/config.ts';
import { SecretBox } from './core/crypto.ts';
import { TributaryError } from './core/errors.ts';
import { createLogger, type Logger } from './core/logger.ts';
import { Metrics, type ScrapeFigures } from './core/metrics.ts';
import { Signal } from './core/signal.ts';
import { openDelivery } from './delivery/open.ts';
import { FitLinks } from './export/fit/links.ts';
import { mcpApiRoutes, mcpConsentPages, mcpTransportRoutes } from './mcp/index.ts';
import { ProviderNotifications, providerNotificationTask } from './ingest/provider-notifications.ts';
import { SyncScheduler } from './ingest/sync-scheduler.ts';
import { DirtyDaysDrain } from './ingest/apple/dirty-days.ts';
import { subscriptionTask } from './ingest/subscriptions.ts';
import { openQueue } from './queue/index.ts';
import { providerWebhookRoutes } from './api/routes/provider-webhooks.ts';
import { SyncService } from './ingest/sync.ts';
import { createProviderRegistry } from './providers/registry.ts';
import { UploadLinks } from './providers/upload/index.ts';
import { openStore } from './store/index.ts';
import type { Store } from './store/store.ts';

/**
 * The composition root: reads the parsed config, picks the engines, wires features and
 * starts the roles. The only module (with cli/) that knows concrete engines.
 */
export interface Tributary {
  readonly config: Config;
  readonly store: Store;
  readonly server: FastifyInstance;
  readonly context: ApiContext;
  /** Background loops of the worker role (delivery, polling); empty in an API-only process. */
  readonly tasks: readonly BackgroundTask[];
  /** Listens on config.host:config.port (API role) and starts the tasks (worker role); resolves with the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A loop of the worker role. `start` must return promptly; `stop` waits for in-flight work. */
export interface BackgroundTask {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface TributaryOptions {
  /** API role (HTTP server). Default true. */
  api?: boolean;
  /** Worker role (delivery, polling). Default true. */
  worker?: boolean;
  /** Overrides for tests: an already opened store, a logger. */
  store?: Store;
  logger?: Logger;
  /** PostgreSQL schema to isolate in (tests). */
  schema?: string;
}

const V2_ROUTES: RouteModule[] = [
  dataReadRoutes,
  authRoutes,
  filesRoutes,
  userRoutes,
  writeRoutes,
  integrationRoutes,
  destinationRoutes,
  deliveryRoutes,
  sdkRoutes,
  eventRoutes,
  keyRoutes,
  mcpApiRoutes,
  connectionHealthRoutes,
  uploadLinkRoutes,
  rawRoutes,
  providerSubscriptionRoutes,
];
const ROOT_ROUTES: RouteModule[] = [
  healthRoutes,
  metricsRoutes,
  providerWebhookRoutes,
  hostedAuthPages,
  uploadPageRoutes,
  docsRoutes,
  dashboardRoutes,
  mcpTransportRoutes,
  mcpConsentPages,
];

export async function createTributary(config: Config, options: TributaryOptions = {}): Promise<Tributary> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const runWorker = options.worker ?? true;
  const runApi = options.api ?? true;
  const metrics = new Metrics({ role: [runApi ? 'api' : '', runWorker ? 'worker' : ''].filter(Boolean).join('+') });
  const keyHex = encryptionKey(config);
  const box = new SecretBox(Buffer.from(keyHex, 'hex'));
  const store = options.store ?? (await openConfiguredStore(config, { schema: options.schema, box }));
  await bootstrapDeveloper(config, store);
  const providers = createProviderRegistry(config.providers, {
    // Read at use time: tests and proxies set the public URL after start-up.
    get publicUrl() {
      return config.publicUrl;
    },
    encryptionKeyHex: keyHex,
  });
  const context: ApiContext = { config, store, logger, metrics, eventsCommitted: new Signal(), providers };
  // Ingest and the connect flow (issue 3): polling/backfill/history for `poll` providers, hosted login.
  const sync = new SyncService({ store, providers, logger, metrics, eventsCommitted: context.eventsCommitted });
  const syncScheduler = new SyncScheduler(sync, logger);
  context.history = sync;
  context.sync = sync;
  context.connect = new ConnectFlow({
    store,
    providers,
    logger,
    eventsCommitted: context.eventsCommitted,
    publicUrl: () => context.config.publicUrl,
    onConnected: () => syncScheduler.wake(),
    onDisconnected: (user) => sync.stop(user.devId, user.userId),
    pkceKey: Buffer.from(keyHex, 'hex'),
  });
  // Provider notifications (issue 13): stored verbatim, acknowledged, then processed from their own queue.
  const notificationQueue = await openQueue({
    name: 'provider-notifications',
    url: config.queueUrl,
    prefix: config.queuePrefix,
    jobs: store.jobs,
    leaseMs: 5 * 60_000,
    retryDelayMs: 30_000,
  });
  const notifications = new ProviderNotifications({
    store,
    providers,
    queue: notificationQueue,
    tokens: sync.tokens,
    logger: logger.child({ component: 'provider-notifications' }),
    eventsCommitted: context.eventsCommitted,
  });
  context.providerNotifications = notifications;
  // Workout files (issue 5): signed links of the hosted upload page and of FIT files for destinations.
  context.uploadLinks = new UploadLinks(keyHex, () => config.publicUrl);
  context.fitLinks = new FitLinks(keyHex, () => config.publicUrl);
  const delivery = await openDelivery({
    config,
    store,
    box,
    encryptionKeyHex: keyHex,
    logger,
    eventsCommitted: context.eventsCommitted,
    metrics,
  });
  context.delivery = delivery.service;
  context.webhookReads = delivery.webhookReads;
  context.queue = delivery.queue;
  metrics.onScrape(() => scrapeFigures(store, [delivery.queue, notificationQueue], providers.list()));
  // A worker-only process serves /health and /metrics alone, so orchestrators can probe and scrape it.
  const server = await buildServer(
    context,
    runApi ? { v2: V2_ROUTES, root: ROOT_ROUTES } : { v2: [], root: [healthRoutes, metricsRoutes] },
  );
  const tasks: BackgroundTask[] = [];
  tasks.push(syncScheduler);
  tasks.push(providerNotificationTask(notifications, notificationQueue, logger));
  tasks.push(subscriptionTask({ store, providers, publicUrl: () => context.config.publicUrl, logger }));
  tasks.push(new StaleWatch({ store, providers, eventsCommitted: context.eventsCommitted }, logger));
  tasks.push(new DirtyDaysDrain({ store, eventsCommitted: context.eventsCommitted, logger }));
  tasks.push(...delivery.tasks);
  return {
    config,
    store,
    server,
    context,
    tasks: runWorker ? tasks : [],
    async listen() {
      // A worker-only process still answers /health, on its own port. Listen first: when the
      // port is taken, no worker loop has started (nothing to leave running).
      await server.listen({ host: config.host, port: config.port });
      if (runWorker) for (const task of tasks) task.start();
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      return `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    },
    async close() {
      // In-flight requests get half the shutdown deadline, then every connection is closed
      // (a trickled body or a stuck client must not hold the shutdown).
      const cutOff = setTimeout(() => server.server.closeAllConnections(), config.shutdownTimeoutMs / 2);
      try {
        await server.close();
      } finally {
        clearTimeout(cutOff);
      }
      if (runWorker) for (const task of [...tasks].reverse()) await task.stop();
      await delivery.close();
      await notificationQueue.close();
      await store.close();
    },
  };
}

/** The figures `GET /metrics` reads at scrape time: outbox and delivery lag, queue depth, sync lag, pool use. */
async function scrapeFigures(
  store: Store,
  queues: readonly { readonly name: string; pendingCount(): Promise<number> }[],
  providers: readonly { readonly polling?: unknown; readonly capabilities: { readonly name: string } }[],
): Promise<ScrapeFigures> {
  const now = Date.now();
  const [figures, depths] = await Promise.all([
    store.operatorFigures(now),
    Promise.all(queues.map(async (queue) => [queue.name, await queue.pendingCount()] as const)),
  ]);
  const lag = (at: number | null) => (at === null ? 0 : Math.max(0, now - at) / 1000);
  // Every polling provider reads 0 while none of its connections is overdue.
  const syncLagSeconds: Record<string, number> = {};
  for (const provider of providers) if (provider.polling) syncLagSeconds[provider.capabilities.name] = 0;
  for (const [name, at] of Object.entries(figures.oldestDueSyncMs)) syncLagSeconds[name] = lag(at);
  return {
    outboxLagSeconds: lag(figures.oldestUndispatchedMs),
    deliveryDueLagSeconds: lag(figures.oldestDueDeliveryMs),
    queueDepth: Object.fromEntries(depths),
    syncLagSeconds,
    ...(figures.pool ? { storePool: figures.pool } : {}),
  };
}

/**
 * Opens (and migrates) the store the config selects: PostgreSQL for a postgres:// URL,
 * else the SQLite file in the data dir. The CLI uses it too, beside a running server.
 */
export async function openConfiguredStore(
  config: Config,
  options: { schema?: string; box?: SecretBox } = {},
): Promise<Store> {
  const box = options.box ?? new SecretBox(Buffer.from(encryptionKey(config), 'hex'));
  return openStore({
    databaseUrl: config.databaseUrl,
    sqliteFile: join(resolve(config.dataDir), 'tributary.db'),
    schema: options.schema,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    box,
  });
}

/** TRIBUTARY_ENCRYPTION_KEY, or (embedded store only) a key generated once into the data dir. */
export function encryptionKey(config: Config): string {
  if (config.encryptionKey)
    return /^[0-9a-fA-F]{64}$/.test(config.encryptionKey)
      ? config.encryptionKey
      : Buffer.from(config.encryptionKey, 'base64').toString('hex');
  if (config.databaseUrl) {
    throw new TributaryError(
      'config_invalid',
      `${ENV.encryptionKey} is required with PostgreSQL, so that every process shares the key (generate one: openssl rand -hex 32)`,
      {
        variable: ENV.encryptionKey,
      },
    );
  }
  const dir = resolve(config.dataDir);
  const file = join(dir, 'encryption.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, SecretBox.generateKey() + '\n', { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

async function bootstrapDeveloper(config: Config, store: Store): Promise<void> {
  if (!config.bootstrapDevId || !config.bootstrapApiKey) return;
  if (await store.developers.get(config.bootstrapDevId)) return;
  await store.developers.create({
    name: config.bootstrapDevId,
    devId: config.bootstrapDevId,
    apiKey: config.bootstrapApiKey,
  });
}
