import { api, qs } from '../api.ts';
import { h } from '../dom.ts';
import type { ConnectionHealth, DeliveryView, DestinationView, EventSummary, HealthPage, TerraUser } from '../types.ts';
import { card, code, empty, pageHeader, pill, short, stat, table, time } from '../ui.ts';

const DAY_MS = 86_400_000;
/** The overview reads at most this many pages of events and deliveries; beyond, counts say "N+". */
const MAX_PAGES = 5;

export async function overviewView(root: HTMLElement): Promise<void> {
  const since = new Date(Date.now() - DAY_MS);
  const [users, health, stale, events, deliveries, destinations] = await Promise.all([
    api<{ users: TerraUser[] }>('GET', '/v2/subscriptions').then((r) => r.users),
    api<HealthPage>('GET', '/v2/connections/health?per_page=1000'),
    api<HealthPage>('GET', '/v2/connections/health?stale=true&per_page=5'),
    recentEvents(since),
    recentDeliveries(since),
    api<{ destinations: DestinationView[] }>('GET', '/v2/destinations').then((r) => r.destinations),
  ]);
  // A dead letter of a deleted destination cannot be sent again: nothing to attend to.
  const failed = deliveries.items.filter((d) => d.status === 'failed' && !d.destination_deleted);
  const pending = deliveries.items.filter((d) => d.status === 'pending');
  const delivered = deliveries.items.filter((d) => d.status === 'delivered');
  const states = countBy(health.connections, (c) => (c.active ? c.state : 'inactive'));
  // Failing now: enabled destinations whose latest attempts fail (not only dead letters).
  const failingNow = destinations.filter((d) => d.enabled && d.failing_since);
  const trouble = failed.length + failingNow.length + health.stale_count;
  const plus = (capped: boolean) => (capped ? '+' : '');

  root.append(
    pageHeader('Overview', 'Your users, events and deliveries at a glance (last 24 hours).'),
    h(
      'div',
      { class: 'stats' },
      stat(
        'Users',
        users.length,
        `${states.get('connected') ?? 0} connected · ${states.get('pending') ?? 0} pending · ${
          users.length - (states.get('connected') ?? 0) - (states.get('pending') ?? 0)
        } other`,
      ),
      h(
        'a',
        { href: '#/users?stale=true', class: 'stat-link', 'data-testid': 'stale-stat' },
        stat(
          'Stale connections',
          health.stale_count,
          health.stale_count ? 'no data or failing syncs' : 'every connection is producing data',
          health.stale_count ? 'warn' : null,
        ),
      ),
      h(
        'a',
        { href: '#/destinations', class: 'stat-link', 'data-testid': 'failing-destinations-stat' },
        stat(
          'Destinations failing',
          failingNow.length,
          failingNow.length
            ? 'failing now'
            : `of ${destinations.length} destination${destinations.length === 1 ? '' : 's'}`,
          failingNow.length ? 'bad' : null,
        ),
      ),
      stat('Events', `${events.items.length}${plus(events.capped)}`, 'emitted in the last 24 h'),
      stat(
        'Delivered',
        `${delivered.length}${plus(deliveries.capped)}`,
        `${pending.length} pending · ${destinations.length} destination${destinations.length === 1 ? '' : 's'}`,
        'ok',
      ),
      stat(
        'Failed deliveries',
        `${failed.length}${plus(deliveries.capped)}`,
        failed.length ? 'need your attention' : trouble ? 'none, but see above' : 'all clear',
        failed.length ? 'bad' : null,
      ),
    ),
  );

  if (failingNow.length > 0) root.append(failingDestinations(failingNow));
  if (stale.connections.length > 0) root.append(staleConnections(stale));
  if (failed.length > 0) {
    root.append(
      h(
        'section',
        { class: 'card card-alert', 'data-testid': 'failed-deliveries' },
        h(
          'div',
          { class: 'card-head' },
          h('h2', { class: 'card-title' }, `${failed.length} failed deliver${failed.length === 1 ? 'y' : 'ies'}`),
          h('a', { class: 'btn btn-secondary', href: '#/deliveries?status=failed' }, 'Review and redeliver →'),
        ),
        table(
          ['Event', 'Destination', 'Last error', 'When'],
          failed
            .slice(0, 5)
            .map((d) =>
              h(
                'tr',
                {},
                h('td', {}, pill(d.event_type, 'info')),
                h('td', { title: d.destination_id }, code(short(d.destination_id, 14))),
                h(
                  'td',
                  { class: 'error-text' },
                  d.last_error ?? (d.last_status_code ? `HTTP ${d.last_status_code}` : '—'),
                ),
                h('td', {}, time(d.created_at)),
              ),
            ),
        ),
      ),
    );
  }

  root.append(h('div', { class: 'grid-2' }, usersByProvider(health.connections), eventsByType(events.items)));
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function failingDestinations(failing: DestinationView[]): HTMLElement {
  return h(
    'section',
    { class: 'card card-alert', 'data-testid': 'failing-destinations' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { class: 'card-title' }, `${failing.length} destination${failing.length === 1 ? '' : 's'} failing now`),
      h('a', { class: 'btn btn-secondary', href: '#/destinations' }, 'Open destinations →'),
    ),
    table(
      ['Destination', 'Failing since', 'Notice'],
      failing.map((d) =>
        h(
          'tr',
          {},
          h('td', {}, h('div', {}, d.type), h('div', { class: 'mono small' }, short(String(d.url ?? d.id), 40))),
          h('td', {}, time(d.failing_since)),
          h('td', { class: 'error-text' }, d.status_notice ?? '—'),
        ),
      ),
    ),
  );
}

function staleConnections(stale: HealthPage): HTMLElement {
  return h(
    'section',
    { class: 'card card-warn', 'data-testid': 'stale-connections' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', { class: 'card-title' }, `${stale.total} stale connection${stale.total === 1 ? '' : 's'}`),
      h('a', { class: 'btn btn-secondary', href: '#/users?stale=true' }, 'See all →'),
    ),
    table(
      ['User', 'Provider', 'Why', 'Last data'],
      stale.connections.map((c) =>
        h(
          'tr',
          {},
          h(
            'td',
            {},
            h('a', { href: `#/users/${encodeURIComponent(c.user_id)}` }, c.reference_id ?? short(c.user_id, 13)),
          ),
          h('td', {}, c.provider),
          h(
            'td',
            {},
            c.stale_reason === 'sync_failing'
              ? `${c.consecutive_failures} failed syncs${c.last_sync_error ? `: ${c.last_sync_error}` : ''}`
              : `no data for over ${c.expected_cadence_hours} h`,
          ),
          h('td', {}, time(c.last_data_at)),
        ),
      ),
    ),
  );
}

/** Per provider: connected users, pending ones (never finished connecting) and the rest, apart. */
function usersByProvider(connections: ConnectionHealth[]): HTMLElement {
  if (connections.length === 0)
    return card(
      'Users by provider',
      empty(
        'No users yet',
        'Connect one from the Users page: it opens the widget where your user picks a provider.',
        h('a', { class: 'btn btn-primary', href: '#/users' }, 'Go to users'),
      ),
    );
  const byProvider = new Map<string, { connected: number; pending: number; other: number }>();
  for (const c of connections) {
    const entry = byProvider.get(c.provider) ?? { connected: 0, pending: 0, other: 0 };
    if (!c.active) entry.other++;
    else if (c.state === 'connected') entry.connected++;
    else if (c.state === 'pending') entry.pending++;
    else entry.other++;
    byProvider.set(c.provider, entry);
  }
  const total = (v: { connected: number; pending: number; other: number }) => v.connected + v.pending + v.other;
  const max = Math.max(...[...byProvider.values()].map(total));
  const rows = [...byProvider.entries()].sort((a, b) => total(b[1]) - total(a[1]));
  return card(
    'Users by provider',
    h(
      'ul',
      { class: 'meter-list', 'data-testid': 'users-by-provider' },
      ...rows.map(([provider, count]) =>
        h(
          'li',
          { 'data-provider': provider },
          h('span', { class: 'meter-label' }, provider),
          meter([
            { value: count.connected, max, tone: 'ok' },
            { value: count.pending, max, tone: 'warn' },
            { value: count.other, max, tone: 'muted' },
          ]),
          h(
            'span',
            { class: 'meter-value' },
            `${count.connected} connected`,
            count.pending ? h('span', { class: 'muted' }, ` · ${count.pending} pending`) : null,
            count.other ? h('span', { class: 'muted' }, ` · ${count.other} inactive`) : null,
          ),
        ),
      ),
    ),
  );
}

function eventsByType(events: EventSummary[]): HTMLElement {
  if (events.length === 0)
    return card(
      'Events by type · 24 h',
      empty(
        'No events in the last 24 hours',
        'Events appear when users connect, data syncs, or you send a test to a destination.',
      ),
    );
  const byType = new Map<string, { total: number; failed: number }>();
  for (const event of events) {
    const entry = byType.get(event.type) ?? { total: 0, failed: 0 };
    entry.total++;
    if (event.delivery_status === 'failed') entry.failed++;
    byType.set(event.type, entry);
  }
  const max = Math.max(...[...byType.values()].map((v) => v.total));
  return card(
    'Events by type · 24 h',
    h(
      'ul',
      { class: 'meter-list' },
      ...[...byType.entries()]
        .sort((a, b) => b[1].total - a[1].total)
        .map(([type, count]) =>
          h(
            'li',
            {},
            h('span', { class: 'meter-label' }, type),
            meter([
              { value: count.total - count.failed, max, tone: 'info' },
              { value: count.failed, max, tone: 'bad' },
            ]),
            h(
              'span',
              { class: 'meter-value' },
              String(count.total),
              count.failed ? h('span', { class: 'error-text' }, ` · ${count.failed} failed`) : null,
            ),
          ),
        ),
    ),
  );
}

function meter(parts: { value: number; max: number; tone: string }[]): HTMLElement {
  const bar = h('span', { class: 'meter', 'aria-hidden': 'true' });
  for (const part of parts) {
    if (part.value <= 0) continue;
    const segment = h('span', { class: `meter-fill meter-${part.tone}` });
    // CSSOM, not a style attribute: allowed under the page's strict CSP.
    segment.style.width = `${(part.value / part.max) * 100}%`;
    bar.append(segment);
  }
  return bar;
}

async function recentEvents(since: Date): Promise<{ items: EventSummary[]; capped: boolean }> {
  const items: EventSummary[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: { events: EventSummary[]; cursor: string | null } = await api(
      'GET',
      `/v2/events${qs({ since: since.toISOString(), limit: 500, cursor })}`,
    );
    items.push(...answer.events);
    cursor = answer.cursor;
    if (!cursor) return { items, capped: false };
  }
  return { items, capped: true };
}

async function recentDeliveries(since: Date): Promise<{ items: DeliveryView[]; capped: boolean }> {
  const items: DeliveryView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer: { deliveries: DeliveryView[]; cursor: string | null } = await api(
      'GET',
      `/v2/deliveries${qs({ limit: 500, cursor })}`,
    );
    // Newest first: stop at the first delivery older than the window.
    for (const delivery of answer.deliveries) {
      if (Date.parse(delivery.created_at) < since.getTime()) return { items, capped: false };
      items.push(delivery);
    }
    cursor = answer.cursor;
    if (!cursor) return { items, capped: false };
  }
  return { items, capped: true };
}
