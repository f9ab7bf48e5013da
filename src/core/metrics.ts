import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What one process exposes on `GET /metrics` (Prometheus text format, prom-client). Each
 * `Tributary` has its own registry, so an API process and a worker process (or two apps in one
 * test process) never mix their figures.
 *
 * Labels are bounded and carry no tenant data: route *patterns* (never raw URLs), status codes,
 * destination types, provider names, queue names, outcomes. No developer, user, destination
 * or delivery id ever becomes a label.
 */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'abandoned' | 'stale';
export type SyncOutcome = 'ok' | 'rate_limited' | 'auth_failed' | 'error';

/** Figures read at scrape time (store and queue state), see `Metrics.onScrape`. */
export interface ScrapeFigures {
  /** Age (s) of the oldest event not yet handed to delivery; 0 when none waits. */
  outboxLagSeconds?: number;
  /** How long (s) the most overdue pending delivery has waited past its due time; 0 when none. */
  deliveryDueLagSeconds?: number;
  /** Jobs not yet finished, per queue name. */
  queueDepth?: Record<string, number>;
  /** Per provider: how long (s) the most overdue connection has waited past its next poll. */
  syncLagSeconds?: Record<string, number>;
  /** Store connection pool (PostgreSQL); absent for the embedded store (one connection). */
  storePool?: { total: number; idle: number; waiting: number; max: number };
}

/** Latency buckets (seconds) from 1 ms to 1 min: loopback deliveries sit at the low end, slow receivers at the top. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A scrape must answer even when the store hangs: scrape-time figures get this long. */
const SCRAPE_BUDGET_MS = 2_000;

export class Metrics {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;
  readonly #deliveries: Counter<'destination_type' | 'outcome'>;
  readonly #attemptDuration: Histogram<'destination_type' | 'outcome'>;
  readonly #deliveryLatency: Histogram<'destination_type'>;
  readonly #syncs: Counter<'provider' | 'outcome'>;
  readonly #outboxLag: Gauge;
  readonly #dueLag: Gauge;
  readonly #queueDepth: Gauge<'queue'>;
  readonly #syncLag: Gauge<'provider'>;
  readonly #pool: Gauge<'state'>;
  readonly #scrapeErrors: Counter;
  readonly #sources: (() => Promise<ScrapeFigures>)[] = [];

  constructor(options: { role: string; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ role: options.role });
    // Process figures (CPU, RSS, event-loop lag, GC) under their conventional names.
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#httpRequests = new Counter({
      name: 'tributary_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#httpDuration = new Histogram({
      name: 'tributary_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#deliveries = new Counter({
      name: 'tributary_deliveries_total',
      help: 'Delivery attempts by destination type and outcome (delivered, retrying, failed = dead letter, abandoned, stale = lease lost)',
      labelNames: ['destination_type', 'outcome'],
      registers,
    });
    this.#attemptDuration = new Histogram({
      name: 'tributary_delivery_attempt_duration_seconds',
      help: 'Duration of one delivery attempt (render, send, receipt), by destination type and outcome',
      labelNames: ['destination_type', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#deliveryLatency = new Histogram({
      name: 'tributary_delivery_latency_seconds',
      help: 'From the event commit to its receipt by the destination (delivered attempts), by destination type',
      labelNames: ['destination_type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#syncs = new Counter({
      name: 'tributary_provider_syncs_total',
      help: 'Provider polls by provider and outcome (ok, rate_limited = HTTP 429, auth_failed, error)',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.#outboxLag = new Gauge({
      name: 'tributary_outbox_lag_seconds',
      help: 'Age of the oldest committed event not yet handed to delivery (0 when none waits)',
      registers,
    });
    this.#dueLag = new Gauge({
      name: 'tributary_delivery_due_lag_seconds',
      help: 'How long the most overdue pending delivery has waited past its due time (0 when none)',
      registers,
    });
    this.#queueDepth = new Gauge({
      name: 'tributary_queue_depth',
      help: 'Jobs not yet finished (waiting, delayed or running), by queue',
      labelNames: ['queue'],
      registers,
    });
    this.#syncLag = new Gauge({
      name: 'tributary_sync_lag_seconds',
      help: 'How long the most overdue active connection has waited past its next poll, by provider (0 when none is overdue)',
      labelNames: ['provider'],
      registers,
    });
    this.#pool = new Gauge({
      name: 'tributary_store_pool_connections',
      help: 'PostgreSQL pool connections: total open, idle, callers waiting for one, and the maximum',
      labelNames: ['state'],
      registers,
    });
    this.#scrapeErrors = new Counter({
      name: 'tributary_metrics_scrape_errors_total',
      help: 'Scrape-time figures that could not be read (store or queue down or slow); their gauges keep the last value',
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.#httpRequests.inc({ method, route, status: String(status) });
    this.#httpDuration.observe({ method, route }, seconds);
  }

  /** One delivery attempt ended; `sinceCommitSeconds` is given for delivered attempts. */
  deliveryAttempt(input: {
    destinationType: string;
    outcome: DeliveryOutcome;
    seconds?: number;
    sinceCommitSeconds?: number;
  }): void {
    const labels = { destination_type: input.destinationType, outcome: input.outcome };
    this.#deliveries.inc(labels);
    if (input.seconds !== undefined) this.#attemptDuration.observe(labels, input.seconds);
    if (input.sinceCommitSeconds !== undefined)
      this.#deliveryLatency.observe({ destination_type: input.destinationType }, input.sinceCommitSeconds);
  }

  providerSync(provider: string, outcome: SyncOutcome): void {
    this.#syncs.inc({ provider, outcome });
  }

  /** Registers a source of scrape-time figures (store and queue state), read on each scrape. */
  onScrape(source: () => Promise<ScrapeFigures>): void {
    this.#sources.push(source);
  }

  /** The exposition text: scrape-time figures are read first, each within a budget. */
  async text(): Promise<string> {
    await Promise.all(
      this.#sources.map(async (source) => {
        try {
          this.#apply(await withinBudget(source()));
        } catch {
          this.#scrapeErrors.inc();
        }
      }),
    );
    return this.registry.metrics();
  }

  #apply(figures: ScrapeFigures): void {
    if (figures.outboxLagSeconds !== undefined) this.#outboxLag.set(figures.outboxLagSeconds);
    if (figures.deliveryDueLagSeconds !== undefined) this.#dueLag.set(figures.deliveryDueLagSeconds);
    for (const [queue, depth] of Object.entries(figures.queueDepth ?? {})) this.#queueDepth.set({ queue }, depth);
    if (figures.syncLagSeconds) {
      // A provider with no overdue connection left reads 0, not its last lag.
      this.#syncLag.reset();
      for (const [provider, lag] of Object.entries(figures.syncLagSeconds)) this.#syncLag.set({ provider }, lag);
    }
    if (figures.storePool) for (const [state, n] of Object.entries(figures.storePool)) this.#pool.set({ state }, n);
  }
}

async function withinBudget<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('scrape budget spent')), SCRAPE_BUDGET_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
