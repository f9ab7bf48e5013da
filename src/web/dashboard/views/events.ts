import { api, qs } from '../api.ts';
import { h, type Child } from '../dom.ts';
import type { EventDetail, EventSummary } from '../types.ts';
import {
  busy,
  button,
  card,
  code,
  empty,
  filterBar,
  jsonBlock,
  pageHeader,
  payloadDetails,
  pill,
  searchInput,
  selectControl,
  short,
  time,
} from '../ui.ts';

const DAY_MS = 86_400_000;
const WINDOWS: [string, string][] = [
  ['1', 'Last 24 hours'],
  ['7', 'Last 7 days'],
  ['30', 'Last 30 days'],
  ['all', 'All time'],
];

const sinceOf = (days: string) => (days === 'all' ? '0' : new Date(Date.now() - Number(days) * DAY_MS).toISOString());

/**
 * `#/events[?type=&user_id=&days=]`: what Tributary emitted (data, auth, deauth, healthchecks…),
 * oldest first within the window, filtered in the API (`GET /v2/events`); each event opens its
 * payload (`GET /v2/events/{id}`) and its deliveries.
 */
export async function eventsView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const filters = {
    type: params.get('type') ?? '',
    user_id: params.get('user_id') ?? '',
    days: WINDOWS.some(([v]) => v === params.get('days')) ? params.get('days')! : '1',
  };
  const types = await api<{ event_types: string[] }>('GET', '/v2/destination-types').catch(() => ({
    event_types: [] as string[],
  }));
  root.append(
    pageHeader('Events', 'Everything Tributary emitted for you, with its payload and the status of its deliveries.'),
    filterForm(filters, types.event_types),
  );
  const body = h('tbody', {});
  const slot = h('div', {});
  const more = h('div', { class: 'more' });
  root.append(card(null, slot, more));
  let cursor: string | null = null;
  const load = async () => {
    const answer: { events: EventSummary[]; cursor: string | null } = await api(
      'GET',
      `/v2/events${qs({ since: sinceOf(filters.days), type: filters.type, user_id: filters.user_id, limit: 100, cursor })}`,
    );
    cursor = answer.cursor;
    if (answer.events.length === 0 && body.childElementCount === 0) {
      slot.replaceChildren(
        empty(
          'No events',
          filters.type || filters.user_id
            ? 'Change or clear the filters above.'
            : 'Nothing was emitted in this period.',
        ),
      );
      return;
    }
    for (const event of answer.events) body.append(...eventRows(event));
    if (!slot.firstChild) slot.append(eventsTable(body));
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

export function eventsTable(body: HTMLTableSectionElement): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0 },
    h(
      'table',
      { class: 'table events-table' },
      h(
        'thead',
        {},
        h('tr', {}, ...['Event', 'User', 'Emitted', 'Deliveries', ''].map((t) => h('th', { scope: 'col' }, t))),
      ),
      body,
    ),
  );
}

function filterForm(filters: { type: string; user_id: string; days: string }, eventTypes: string[]): HTMLElement {
  const type = selectControl(
    'events-type',
    [
      ['', 'All types'],
      ...[...new Set([...eventTypes, filters.type].filter(Boolean))].map((t) => [t, t] as [string, string]),
    ],
    filters.type,
  );
  const days = selectControl('events-days', WINDOWS, filters.days);
  const user = searchInput('events-user', filters.user_id);
  return filterBar(
    'events-filter',
    [
      ['User', user],
      ['Type', type],
      ['Period', days],
    ],
    () => {
      location.hash = `#/events${qs({ type: type.value, user_id: user.value.trim(), days: days.value === '1' ? undefined : days.value })}`;
    },
  );
}

/** An event's row and its (hidden) detail row: payload and deliveries, read when opened. */
export function eventRows(event: EventSummary): HTMLTableRowElement[] {
  const { toggle, row: detail } = payloadDetails({
    label: 'Payload',
    colspan: 5,
    testId: 'event-payload-toggle',
    loadingText: 'Loading the payload…',
    load: () => eventDetail(event),
  });
  const row = h(
    'tr',
    { 'data-event-id': event.id },
    h(
      'td',
      {},
      pill(event.type, 'info'),
      h('div', { class: 'small muted mono', title: event.id }, short(event.id, 14)),
    ),
    h(
      'td',
      {},
      event.user_id
        ? h(
            'a',
            { href: `#/users/${encodeURIComponent(event.user_id)}`, class: 'mono small' },
            short(event.user_id, 14),
          )
        : h('span', { class: 'muted' }, '—'),
    ),
    h('td', {}, time(event.created_at)),
    h(
      'td',
      { 'data-testid': 'event-delivery-status' },
      pill(event.delivery_status),
      event.deliveries.length
        ? h(
            'a',
            {
              class: 'small',
              href: `#/deliveries${qs({ user_id: event.user_id ?? undefined, event_type: event.type })}`,
            },
            ` ${event.deliveries.length} deliver${event.deliveries.length === 1 ? 'y' : 'ies'}`,
          )
        : null,
    ),
    h('td', { class: 'row-actions' }, toggle),
  );
  return [row, detail];
}

/** An event's deliveries and its payload. */
async function eventDetail(event: EventSummary): Promise<Child[]> {
  const full = await api<EventDetail>('GET', `/v2/events/${encodeURIComponent(event.id)}`);
  return [
    full.deliveries.length
      ? h(
          'ul',
          { class: 'plain-list small' },
          ...full.deliveries.map((d) =>
            h(
              'li',
              {},
              pill(d.status),
              ' ',
              code(short(d.destination_id, 14)),
              ` · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
              d.last_error ? h('span', { class: 'error-text' }, ` · ${d.last_error}`) : null,
            ),
          ),
        )
      : h('p', { class: 'small muted' }, 'No destination took this event.'),
    jsonBlock(full.payload, { 'data-testid': 'event-payload', 'aria-label': `Payload of ${event.type} event` }),
  ];
}
