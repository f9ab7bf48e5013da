import type { FastifyInstance } from 'fastify';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Metrics } from '../core/metrics.ts';
import type { Signal } from '../core/signal.ts';
import type { DataType } from '../model/data-types.ts';
import type { DeliveryService } from '../delivery/service.ts';
import type { ConnectFlow } from '../auth/connect.ts';
import type { ProviderNotifications } from '../ingest/provider-notifications.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { UploadLinks } from '../providers/upload/index.ts';
import type { FitLinks } from '../export/fit/links.ts';
import type { DataRequest, Store, User } from '../store/store.ts';

/**
 * What routes receive from the composition root (`app.ts`). Features add their service
 * here as a typed field, and extend the API by exporting a `RouteModule` that `app.ts` lists.
 */
export interface ApiContext {
  readonly config: Config;
  readonly store: Store;
  readonly logger: Logger;
  /** This process's Prometheus registry (`GET /metrics`). */
  readonly metrics?: Metrics;
  /** Notified after a transaction committed outbox events, to wake the dispatcher. */
  readonly eventsCommitted: Signal;
  /** Providers the operator configured. */
  readonly providers: ProviderRegistry;
  /** Fetches a period the provider has not synced yet before a read answers (ingest/). */
  history?: HistorySync;
  /** Answers reads with `to_webhook=true` through the destinations (delivery/). */
  webhookReads?: WebhookReads;
  /** The hosted connect flow: authenticateUser, widget, login pages, deauth (auth/). */
  connect?: ConnectFlow;
  /** Notifications providers push to /providers/{provider}/webhook (ingest/). */
  providerNotifications?: ProviderNotifications;
  /** Provider polling (ingest/): sync one connection now (tests, manual refresh). */
  sync?: { syncNow(devId: string, userId: string): Promise<void>; runDue(now?: number): Promise<number> };
  /** Signed links of the hosted upload page (UPLOAD's `auth_url`). */
  uploadLinks?: UploadLinks;
  /** Signed links to an activity event's FIT file (destinations with `format: "fit"`). */
  fitLinks?: FitLinks;
  /** Destinations, deliveries and the outbox → queue → destination machinery (delivery/). */
  delivery?: DeliveryService;
  /** The delivery queue's engine, for /health (a store query or a Redis PING). */
  queue?: { readonly engine: string; ping(): Promise<void> };
}

export interface HistorySync {
  ensureSynced(user: User, type: DataType, range: { startMs: number; endMs: number }): Promise<void>;
}

export interface WebhookReads {
  /** Takes a recorded request and returns the HTTP body to answer with (DataSentToWebhook or large-request shape). */
  accept(request: DataRequest, user: User): Promise<Record<string, unknown>>;
}

export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void | Promise<void>;
