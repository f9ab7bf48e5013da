import { api, qs } from '../api.ts';
import { h } from '../dom.ts';
import type { DeliveryDetail, DeliveryView } from '../types.ts';
import { busy, button, card, code, empty, errorBox, pageHeader, pill, short, table, time, toast } from '../ui.ts';

const STATUSES = ['all', 'failed', 'pending', 'delivered'] as const;
type Filter = (typeof STATUSES)[number];

/** After a redelivery the row is re-read every second until it leaves `pending` (or this many tries). */
const POLL_TRIES = 30;

export async function deliveriesView(root: HTMLElement, params: URLSearchParams): Promise<void> {
  const filter: Filter = (STATUSES as readonly string[]).includes(params.get('status') ?? '')
    ? (params.get('status') as Filter)
    : 'all';
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Filter by status' },
    ...STATUSES.map((status) =>
      h(
        'a',
        {
          href: `#/deliveries${status === 'all' ? '' : `?status=${status}`}`,
          class: status === filter ? 'tab active' : 'tab',
          'aria-current': status === filter ? 'page' : null,
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
  );
  const body = h('tbody', {});
  const more = h('div', { class: 'more' });
  const slot = h('div', {});
  root.append(card(null, slot, more));

  let cursor: string | null = null;
  const load = async () => {
    const answer: { deliveries: DeliveryView[]; cursor: string | null } = await api(
      'GET',
      `/v2/deliveries${qs({ status: filter === 'all' ? undefined : filter, limit: 50, cursor })}`,
    );
    cursor = answer.cursor;
    if (answer.deliveries.length === 0 && body.childElementCount === 0) {
      slot.replaceChildren(
        empty(
          filter === 'all' ? 'No deliveries yet' : `No ${filter} deliveries`,
          filter === 'failed'
            ? 'Nothing is failing. Nice.'
            : 'Create a destination and send it a test event to see one here.',
        ),
      );
      return;
    }
    for (const delivery of answer.deliveries) body.append(...deliveryRows(delivery));
    if (!slot.firstChild) {
      slot.append(
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'table' },
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
      cursor ? button('Load more', () => void busy(more.firstChild as HTMLButtonElement, load, more)) : h('span', {}),
    );
  };
  await load();
}

function deliveryRows(initial: DeliveryView): HTMLTableRowElement[] {
  const row = h('tr', { 'data-delivery-id': initial.id });
  const detail = h('tr', { class: 'detail-row', hidden: true }, h('td', { colspan: 7 }));
  const render = (d: DeliveryView) => {
    const redeliver = button(
      'Redeliver',
      () =>
        void busy(redeliver, async () => {
          const answer = await api<{ delivery: DeliveryView }>(
            'POST',
            `/v2/deliveries/${encodeURIComponent(d.id)}/redeliver`,
          );
          render(answer.delivery);
          toast('Redelivery queued');
          void follow(d.id, render);
        }),
      'secondary',
      { 'data-testid': 'redeliver' },
    );
    const toggle = button(detail.hidden ? 'Attempts' : 'Hide', () => void showAttempts(d.id, detail, toggle), 'ghost');
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
      h('td', { title: d.destination_id }, code(short(d.destination_id, 14))),
      h('td', {}, time(d.created_at)),
      h('td', { class: 'row-actions' }, toggle, d.status === 'pending' ? null : redeliver),
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

async function showAttempts(id: string, detail: HTMLTableRowElement, toggle: HTMLButtonElement): Promise<void> {
  const cell = detail.firstChild as HTMLTableCellElement;
  if (!detail.hidden) {
    detail.hidden = true;
    toggle.textContent = 'Attempts';
    return;
  }
  detail.hidden = false;
  toggle.textContent = 'Hide';
  cell.replaceChildren(h('div', { class: 'loading' }, 'Loading attempts…'));
  try {
    const d = await api<DeliveryDetail>('GET', `/v2/deliveries/${encodeURIComponent(id)}`);
    cell.replaceChildren(
      d.attempt_log.length === 0
        ? h('p', { class: 'muted small' }, 'No attempt yet.')
        : table(
            ['#', 'Started', 'Duration', 'Response', 'Error'],
            d.attempt_log.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, String(a.attempt)),
                h('td', {}, time(a.started_at)),
                h('td', { class: 'num' }, `${a.duration_ms} ms`),
                h('td', {}, a.status_code ? code(`HTTP ${a.status_code}`) : '—'),
                h('td', { class: 'error-text' }, a.error ?? ''),
              ),
            ),
            'table-compact',
          ),
      h(
        'p',
        { class: 'small muted' },
        'X-Terra-Trace-Id ',
        h('span', { 'data-testid': 'trace-id' }, code(d.trace_id ?? '—')),
        ' · delivery ',
        code(d.id),
      ),
    );
  } catch (error) {
    cell.replaceChildren(errorBox(error));
  }
}
