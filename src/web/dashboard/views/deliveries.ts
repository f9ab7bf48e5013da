import { api, qs } from '../api.ts';
import { h, type Child } from '../dom.ts';
import type { DeliveryDetail, DeliveryView, DestinationView, EventDetail } from '../types.ts';
import {
  busy,
  button,
  card,
  code,
  empty,
  errorBox,
  filterBar,
  jsonBlock,
  pageHeader,
  payloadDetails,
  pill,
  searchInput,
  selectControl,
  short,
  table,
  time,
  toast,
} from '../ui.ts';

const STATUSES = ['all', 'failed', 'pending', 'delivered'] as const;
type Filter = (typeof STATUSES)[number];

/** After a redelivery the row is re-read every second until it leaves `pending` (or this many tries). */
const POLL_TRIES = 30;

interface Filters {
  status: Filter;
  destination_id: string;
  user_id: string;
  event_type: string;
}

const link = (filters: Filters, over: Partial<Filters>) => {
  const next = { ...filters, ...over };
  return `#/deliveries${qs({ ...next, status: next.status === 'all' ? undefined : next.status })}`;
};

/**
 * `#/deliveries[?status=&destination_id=&user_id=&event_type=]`: one row per event ×
 * destination, filtered in the API; a row opens its attempts (response code, error, duration),
 * the real X-Terra-Trace-Id and the request payload; failed ones are redelivered, pending ones
 * retried now.
 */
export async function deliveriesView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const filters: Filters = {
    status: (STATUSES as readonly string[]).includes(params.get('status') ?? '')
      ? (params.get('status') as Filter)
      : 'all',
    destination_id: params.get('destination_id') ?? '',
    user_id: params.get('user_id') ?? '',
    event_type: params.get('event_type') ?? '',
  };
  const [{ destinations }, types] = await Promise.all([
    api<{ destinations: DestinationView[] }>('GET', '/v2/destinations'),
    api<{ event_types: string[] }>('GET', '/v2/destination-types').catch(() => ({ event_types: [] as string[] })),
  ]);
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Filter by status' },
    ...STATUSES.map((status) =>
      h(
        'a',
        {
          href: link(filters, { status }),
          class: status === filters.status ? 'tab active' : 'tab',
          'aria-current': status === filters.status ? 'page' : null,
        },
        status === 'all' ? 'All' : status[0].toUpperCase() + status.slice(1),
      ),
    ),
  );
  root.append(
    pageHeader(
      'Deliveries',
      'One row per event and destination, with every attempt. Dead letters are failed; redeliver them once fixed.',
    ),
    tabs,
    filterForm(filters, destinations, types.event_types),
  );
  const body = h('tbody', {});
  const more = h('div', { class: 'more' });
  const slot = h('div', {});
  root.append(card(null, slot, more));
  const destinationName = new Map(
    destinations.map((d) => [d.id, `${d.type} · ${typeof d.url === 'string' ? d.url : short(d.id, 14)}`]),
  );
  const filtered = filters.status !== 'all' || filters.destination_id || filters.user_id || filters.event_type;

  let cursor: string | null = null;
  const load = async () => {
    const answer: { deliveries: DeliveryView[]; cursor: string | null } = await api(
      'GET',
      `/v2/deliveries${qs({
        status: filters.status === 'all' ? undefined : filters.status,
        destination_id: filters.destination_id,
        user_id: filters.user_id,
        event_type: filters.event_type,
        limit: 50,
        cursor,
      })}`,
    );
    cursor = answer.cursor;
    if (answer.deliveries.length === 0 && body.childElementCount === 0) {
      slot.replaceChildren(
        empty(
          filtered ? 'No delivery matches' : 'No deliveries yet',
          filters.status === 'failed'
            ? 'Nothing is failing. Nice.'
            : filtered
              ? 'Change or clear the filters above.'
              : 'Create a destination and send it a test event to see one here.',
        ),
      );
      return;
    }
    for (const delivery of answer.deliveries) body.append(...deliveryRows(delivery, destinationName));
    if (!slot.firstChild) {
      slot.append(
        h(
          'div',
          { class: 'table-wrap', tabindex: 0 },
          h(
            'table',
            { class: 'table deliveries-table' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['Event', 'Status', 'Attempts', 'Last error', 'Destination', 'Created', ''].map((t) =>
                  h('th', { scope: 'col' }, t),
                ),
              ),
            ),
            body,
          ),
        ),
      );
    }
    more.replaceChildren(
      cursor
        ? button('Load more', () => {
            // Paged on: live refreshes would drop the loaded rows, so they hold off.
            more.dataset.live = 'hold';
            void busy(more.firstChild as HTMLButtonElement, load, more);
          })
        : h('span', {}),
    );
  };
  await load();
}

function filterForm(filters: Filters, destinations: DestinationView[], eventTypes: string[]): HTMLElement {
  const destination = selectControl(
    'deliveries-destination',
    [
      ['', 'All destinations'],
      ...destinations.map(
        (d) => [d.id, `${d.type} · ${typeof d.url === 'string' ? d.url : short(d.id, 14)}`] as [string, string],
      ),
    ],
    filters.destination_id,
  );
  const eventType = selectControl(
    'deliveries-event-type',
    [
      ['', 'All event types'],
      ...[...new Set([...eventTypes, filters.event_type].filter(Boolean))].map((t) => [t, t] as [string, string]),
    ],
    filters.event_type,
  );
  const user = searchInput('deliveries-user', filters.user_id);
  return filterBar(
    'deliveries-filter',
    [
      ['Destination', destination],
      ['User', user],
      ['Event type', eventType],
    ],
    () => {
      location.hash = link(filters, {
        destination_id: destination.value,
        event_type: eventType.value,
        user_id: user.value.trim(),
      });
    },
  );
}

function deliveryRows(initial: DeliveryView, destinationName: Map<string, string>): HTMLTableRowElement[] {
  const row = h('tr', { 'data-delivery-id': initial.id });
  const { toggle, row: detail } = payloadDetails({
    label: 'Details',
    colspan: 7,
    testId: 'delivery-details',
    loadingText: 'Loading the delivery…',
    load: () => deliveryDetail(initial),
  });
  const render = (d: DeliveryView) => {
    // Failed or delivered: send again. Pending: do not wait for the next scheduled try.
    const again = d.destination_deleted
      ? null
      : button(
          d.status === 'pending' ? 'Retry now' : 'Redeliver',
          () =>
            void busy(again!, async () => {
              const answer = await api<{ delivery: DeliveryView }>(
                'POST',
                `/v2/deliveries/${encodeURIComponent(d.id)}/redeliver`,
              );
              render(answer.delivery);
              toast(d.status === 'pending' ? 'Retrying now' : 'Redelivery queued');
              void follow(d.id, render);
            }),
          'secondary',
          { 'data-testid': d.status === 'pending' ? 'retry-now' : 'redeliver' },
        );
    row.className = d.status === 'failed' ? 'row-failed' : '';
    row.replaceChildren(
      h(
        'td',
        {},
        pill(d.event_type, 'info'),
        h('div', { class: 'small muted mono', title: d.event_id }, short(d.event_id, 14)),
      ),
      h('td', { 'data-testid': 'status' }, pill(d.status)),
      h('td', { class: 'num' }, String(d.attempts)),
      h(
        'td',
        { class: 'error-cell' },
        d.last_error
          ? h('span', { class: 'error-text' }, d.last_error)
          : d.last_status_code
            ? code(`HTTP ${d.last_status_code}`)
            : h('span', { class: 'muted' }, '—'),
        d.next_attempt_at ? h('div', { class: 'small muted' }, 'next try ', time(d.next_attempt_at)) : null,
      ),
      h(
        'td',
        { title: d.destination_id, class: 'dest-cell' },
        d.destination_deleted
          ? h('span', { class: 'muted' }, 'deleted destination')
          : h('span', { class: 'small' }, destinationName.get(d.destination_id) ?? short(d.destination_id, 14)),
      ),
      h('td', {}, time(d.created_at)),
      h('td', { class: 'row-actions' }, toggle, again),
    );
  };
  render(initial);
  return [row, detail];
}

async function follow(id: string, render: (d: DeliveryView) => void): Promise<void> {
  for (let i = 0; i < POLL_TRIES; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const current = await api<DeliveryView>('GET', `/v2/deliveries/${encodeURIComponent(id)}`);
    render(current);
    if (current.status !== 'pending') return;
  }
}

/** The attempts (each response: status code, error — a failed webhook's error carries its answer —, duration), trace id and request payload. */
async function deliveryDetail(delivery: DeliveryView): Promise<Child[]> {
  const [d, event] = await Promise.all([
    api<DeliveryDetail>('GET', `/v2/deliveries/${encodeURIComponent(delivery.id)}`),
    api<EventDetail>('GET', `/v2/events/${encodeURIComponent(delivery.event_id)}`).catch((error: unknown) =>
      error instanceof Error ? error : new Error(String(error)),
    ),
  ]);
  return [
    h(
      'div',
      { class: 'delivery-detail' },
      h(
        'p',
        { class: 'small muted' },
        'X-Terra-Trace-Id ',
        h('span', { 'data-testid': 'trace-id' }, code(d.trace_id ?? '—')),
        ' · delivery ',
        code(d.id),
        event && !(event instanceof Error) && event.user_id
          ? h(
              'span',
              {},
              ' · user ',
              h('a', { href: `#/users/${encodeURIComponent(event.user_id)}` }, code(short(event.user_id, 14))),
            )
          : null,
      ),
      h('h3', { class: 'form-section' }, 'Responses'),
      d.attempt_log.length === 0
        ? h('p', { class: 'muted small' }, 'No attempt yet.')
        : table(
            ['#', 'Started', 'Duration', 'Response', 'Error'],
            d.attempt_log.map((a) =>
              h(
                'tr',
                { 'data-testid': 'attempt' },
                h('td', {}, String(a.attempt)),
                h('td', {}, time(a.started_at)),
                h('td', { class: 'num' }, `${a.duration_ms} ms`),
                h('td', { 'data-testid': 'attempt-response' }, a.status_code ? code(`HTTP ${a.status_code}`) : '—'),
                h('td', { class: 'error-text error-cell' }, a.error ?? ''),
              ),
            ),
            'table-compact',
          ),
      h('h3', { class: 'form-section' }, 'Request payload'),
      event instanceof Error
        ? errorBox(event)
        : jsonBlock(event.payload, { 'data-testid': 'request-payload', 'aria-label': 'Request payload' }),
    ),
  ];
}
