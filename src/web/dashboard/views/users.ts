import { api, qs } from '../api.ts';
import { h } from '../dom.ts';
import type { ConnectionHealth, HealthPage } from '../types.ts';
import {
  busy,
  button,
  card,
  empty,
  filterBar,
  pageHeader,
  pill,
  searchInput,
  selectControl,
  short,
  table,
  time,
  toast,
} from '../ui.ts';

const PER_PAGE = 25;
const STATES = ['connected', 'pending', 'error', 'deauthorized'] as const;

/**
 * `#/users[?query=&provider=&state=&stale=&page=]`: every user with its connection health,
 * searched by user id or reference id and filtered in the API (`GET /v2/connections/health`).
 */
export async function usersView(root: HTMLElement, params: URLSearchParams, rerender: () => void): Promise<void> {
  const filters = {
    query: params.get('query') ?? '',
    provider: params.get('provider') ?? '',
    state: params.get('state') ?? '',
    stale: params.get('stale') ?? '',
  };
  const page = Math.max(0, Number(params.get('page') ?? 0) || 0);
  const [answer, integrations] = await Promise.all([
    api<HealthPage>('GET', `/v2/connections/health${qs({ ...filters, page, per_page: PER_PAGE })}`),
    api<{ providers: { provider: string }[] }>('GET', '/v2/integrations/detailed?sdk=true').catch(() => ({
      providers: [],
    })),
  ]);
  const connectPanel = h('div', { class: 'connect-panel' });
  const connect = button(
    'Connect a new user',
    () => void busy(connect, () => openWidget(connectPanel), connectPanel),
    'primary',
    { 'data-testid': 'connect-user' },
  );
  root.append(
    pageHeader(
      'Users',
      `${answer.total} user${answer.total === 1 ? '' : 's'}${filtersText(filters)} · ${answer.stale_count} stale connection${answer.stale_count === 1 ? '' : 's'} in all.`,
      connect,
    ),
    connectPanel,
    filterForm(
      filters,
      integrations.providers.map((p) => p.provider),
    ),
  );
  if (answer.connections.length === 0) {
    root.append(
      card(
        null,
        empty(
          filtersText(filters) ? 'No user matches' : 'No users yet',
          filtersText(filters)
            ? 'Change or clear the filters above.'
            : 'A user appears here once they connect a provider through the widget, the hosted login, or an upload link.',
        ),
      ),
    );
    return;
  }
  root.append(
    card(
      null,
      table(
        ['Reference', 'Provider', 'State', 'Health', 'Last data', 'Last sync', ''],
        answer.connections.map((c) => userRow(c, rerender)),
        'users-table',
      ),
      pager(answer, page, filters),
    ),
  );
}

function filtersText(filters: Record<string, string>): string {
  const parts = Object.entries(filters)
    .filter(([, v]) => v)
    .map(([k, v]) => (k === 'stale' ? (v === 'true' ? 'stale' : 'healthy') : `${k} ${v}`));
  return parts.length ? ` matching ${parts.join(', ')}` : '';
}

function filterForm(filters: Record<string, string>, providers: string[]): HTMLElement {
  const query = searchInput('users-query', filters.query, 'user id or reference id');
  const provider = selectControl(
    'users-provider',
    [
      ['', 'All providers'],
      ...[...new Set([...providers, filters.provider].filter(Boolean))].map((p) => [p, p] as [string, string]),
    ],
    filters.provider,
  );
  const state = selectControl(
    'users-state',
    [['', 'All states'], ...STATES.map((st) => [st, st] as [string, string])],
    filters.state,
  );
  const stale = selectControl(
    'users-stale',
    [
      ['', 'Any health'],
      ['true', 'Stale only'],
      ['false', 'Healthy only'],
    ],
    filters.stale,
  );
  return filterBar(
    'users-filter',
    [
      ['Search', query],
      ['Provider', provider],
      ['State', state],
      ['Health', stale],
    ],
    () => {
      location.hash = `#/users${qs({ query: query.value.trim(), provider: provider.value, state: state.value, stale: stale.value })}`;
    },
  );
}

function pager(answer: HealthPage, page: number, filters: Record<string, string>): HTMLElement | null {
  if (answer.max_page === 0) return null;
  const link = (to: number, label: string, rel: string) =>
    h(
      'a',
      { class: 'btn btn-ghost btn-small', href: `#/users${qs({ ...filters, page: to || undefined })}`, rel },
      label,
    );
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages of users' },
    page > 0 ? link(page - 1, '← Previous', 'prev') : null,
    h('span', { class: 'muted' }, `Page ${page + 1} of ${answer.max_page + 1}`),
    page < answer.max_page ? link(page + 1, 'Next →', 'next') : null,
  );
}

/** The health pill: stale (with why), healthy, or nothing to judge. */
export function healthPill(c: ConnectionHealth): HTMLElement {
  if (c.stale) return pill(c.stale_reason === 'sync_failing' ? 'stale · syncs failing' : 'stale · no data', 'warn');
  if (c.state !== 'connected' || !c.active) return h('span', { class: 'muted' }, '—');
  return pill('healthy', 'ok');
}

function userRow(c: ConnectionHealth, rerender: () => void): HTMLTableRowElement {
  const href = `#/users/${encodeURIComponent(c.user_id)}`;
  const actions: HTMLElement[] = [];
  if (c.provider === 'UPLOAD' && c.state === 'connected' && c.active) {
    const link = button(
      'Upload link',
      () =>
        void busy(link, async () => {
          const answer = await api<{ url: string }>('POST', `/v2/users/${encodeURIComponent(c.user_id)}/upload-link`);
          const cell = link.parentElement!;
          cell.replaceChildren(
            h(
              'a',
              { href: answer.url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'upload-link' },
              'Open upload page ↗',
            ),
          );
        }),
      'ghost',
      { 'data-testid': 'upload-link-button' },
    );
    actions.push(link);
  }
  if (c.state !== 'deauthorized') {
    const deauth = button(
      'Deauthorize',
      () =>
        void busy(deauth, async () => {
          if (
            !confirm(`Deauthorize ${c.reference_id ?? c.user_id}? Tributary stops syncing and deletes the connection.`)
          )
            return;
          await api('DELETE', `/v2/auth/deauthenticateUser${qs({ user_id: c.user_id })}`);
          toast('User deauthorized');
          rerender();
        }),
      'danger',
      { 'data-testid': 'deauth-user' },
    );
    actions.push(deauth);
  }
  return h(
    'tr',
    { 'data-user-id': c.user_id },
    h(
      'td',
      {},
      h(
        'a',
        { href, class: 'row-link' },
        c.reference_id ? h('strong', {}, c.reference_id) : h('span', { class: 'muted' }, 'no reference'),
      ),
      h('div', { class: 'small muted mono' }, short(c.user_id, 13)),
    ),
    h('td', {}, providerBadge(c.provider)),
    h('td', { 'data-testid': 'user-state' }, pill(c.active ? c.state : 'inactive')),
    h('td', { 'data-testid': 'user-health' }, healthPill(c)),
    h('td', {}, time(c.last_data_at)),
    h(
      'td',
      {},
      c.last_sync_failure_at && (!c.last_sync_success_at || c.last_sync_failure_at > c.last_sync_success_at)
        ? h('span', { class: 'error-text', title: c.last_sync_error ?? '' }, 'failed ', time(c.last_sync_failure_at))
        : c.last_sync_success_at
          ? time(c.last_sync_success_at)
          : h('span', { class: 'muted' }, '—'),
    ),
    h('td', { class: 'row-actions' }, ...actions),
  );
}

/** POST /v2/auth/generateWidgetSession, then open the widget (or show its link if a popup is blocked). */
async function openWidget(panel: HTMLElement): Promise<void> {
  const referenceInput = h('input', {
    type: 'text',
    id: 'widget-reference',
    placeholder: 'your id for this user (optional)',
    autocomplete: 'off',
  });
  panel.replaceChildren(
    card(
      'Connect a new user',
      h(
        'p',
        { class: 'muted' },
        'Tributary creates a widget session (15 minutes). Send the link to your user, or open it here to connect a test account.',
      ),
      h(
        'form',
        {
          class: 'inline-form',
          onsubmit: ((event: Event) => {
            event.preventDefault();
            const submit = (event.target as HTMLFormElement).querySelector('button') as HTMLButtonElement;
            // Opened now, inside the click, so that pop-up blockers allow it; pointed at the widget once it exists.
            const tab = window.open('', '_blank');
            void busy(
              submit,
              async () => {
                try {
                  const answer = await api<{ url: string; expires_in: number }>(
                    'POST',
                    '/v2/auth/generateWidgetSession',
                    { reference_id: referenceInput.value.trim() || undefined },
                  );
                  if (tab) {
                    tab.opener = null;
                    tab.location.href = answer.url;
                  }
                  panel.replaceChildren(
                    h(
                      'div',
                      { class: 'alert alert-ok', 'data-testid': 'widget-link' },
                      h(
                        'strong',
                        {},
                        tab
                          ? 'The widget opened in a new tab.'
                          : 'Widget session ready: your browser blocked the new tab, use the link.',
                      ),
                      h(
                        'span',
                        {},
                        `Send this link to your user (valid ${Math.round(answer.expires_in / 60)} min): `,
                        h(
                          'a',
                          { href: answer.url, target: '_blank', rel: 'noopener noreferrer', class: 'mono' },
                          answer.url,
                        ),
                      ),
                    ),
                  );
                } catch (error) {
                  tab?.close();
                  throw error;
                }
              },
              panel,
            );
          }) as EventListener,
        },
        h('label', { for: 'widget-reference' }, 'Reference id'),
        referenceInput,
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Open widget'),
      ),
    ),
  );
  referenceInput.focus();
}

export function providerBadge(provider: string): HTMLElement {
  return h(
    'span',
    { class: 'provider' },
    h('span', { class: 'provider-dot', 'aria-hidden': 'true' }, provider.slice(0, 1)),
    provider,
  );
}
