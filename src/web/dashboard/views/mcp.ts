import { api, qs } from '../api.ts';
import { h } from '../dom.ts';
import { busy, button, card, code, empty, formatDay, pageHeader, pill, short, table, time, toast } from '../ui.ts';

/** GET /v2/mcp/grants and GET /v2/mcp/audit, as this view reads them (src/mcp/grant-routes.ts). */
interface McpGrantView {
  id: string;
  status: string;
  created_via: 'api' | 'consent';
  user_id: string;
  data_types: string[] | null;
  start_date: string | null;
  end_date: string | null;
  expires_at: string | null;
  created_at: string;
}

interface McpAuditView {
  id: string;
  created_at: string;
  actor: 'developer' | 'grant';
  grant_id: string | null;
  tool: string;
  user_id: string | null;
  start: string | null;
  end: string | null;
  record_count: number;
  outcome: 'ok' | 'refused' | 'error';
  message: string | null;
}

/**
 * `#/agents[?user_id=&grant_id=]`: what AI agents read through the MCP server — the user
 * grants (revocable at once) and the audit log of every tool call, filterable by user and grant.
 */
export async function mcpView(root: HTMLElement, params: URLSearchParams, rerender: () => void): Promise<void> {
  const userId = params.get('user_id') ?? '';
  const grantId = params.get('grant_id') ?? '';
  const [{ grants }, { entries, cursor }] = await Promise.all([
    api<{ grants: McpGrantView[] }>('GET', `/v2/mcp/grants${qs({ user_id: userId, limit: 100 })}`),
    api<{ entries: McpAuditView[]; cursor: string | null }>(
      'GET',
      `/v2/mcp/audit${qs({ user_id: userId, grant_id: grantId, limit: 100 })}`,
    ),
  ]);
  root.append(
    pageHeader(
      'AI agents',
      'Agents read your users’ data through the MCP server at /mcp, with your key or a user grant. Every tool call is logged here.',
    ),
    filters(userId, grantId),
    card(
      'User grants',
      grants.length === 0
        ? empty(
            'No grants',
            'Create one with POST /v2/mcp/grants, or ask the user on a consent page (POST /v2/mcp/consents).',
          )
        : table(
            ['Grant', 'User', 'Scope', 'Expires', 'Status', ''],
            grants.map((grant) => grantRow(grant, rerender)),
          ),
    ),
    card(
      'Tool calls',
      entries.length === 0
        ? empty('No tool calls', 'Calls to /mcp appear here, newest first.')
        : table(['When', 'Caller', 'Tool', 'User', 'Period', 'Records', 'Outcome'], entries.map(auditRow)),
      cursor
        ? h('p', { class: 'muted small' }, 'Showing the latest 100 calls; filter by user or grant to see others.')
        : null,
    ),
  );
}

function filters(userId: string, grantId: string): HTMLElement {
  const user = h('input', { type: 'text', id: 'mcp-user', name: 'user_id', placeholder: 'user_id', value: userId });
  const grant = h('input', {
    type: 'text',
    id: 'mcp-grant',
    name: 'grant_id',
    placeholder: 'grant_id',
    value: grantId,
  });
  return h(
    'form',
    {
      class: 'form-grid',
      'data-testid': 'mcp-filters',
      onsubmit: ((event: Event) => {
        event.preventDefault();
        location.hash = `#/agents${qs({ user_id: user.value.trim(), grant_id: grant.value.trim() })}`;
      }) as EventListener,
    },
    h('label', { for: 'mcp-user' }, 'User'),
    user,
    h('label', { for: 'mcp-grant' }, 'Grant'),
    grant,
    h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Filter'),
  );
}

function scopeText(grant: McpGrantView): string {
  const types = grant.data_types?.join(', ') ?? 'all data types';
  const period =
    grant.start_date || grant.end_date
      ? `${grant.start_date ? formatDay(grant.start_date) : '…'} → ${grant.end_date ? formatDay(grant.end_date) : '…'}`
      : 'all dates';
  return `${types}; ${period}`;
}

function grantRow(grant: McpGrantView, rerender: () => void): HTMLTableRowElement {
  const revoke = button(
    'Revoke',
    () =>
      void busy(revoke, async () => {
        if (!confirm(`Revoke grant ${grant.id}? The agent using it is refused from its next call.`)) return;
        await api('DELETE', `/v2/mcp/grants/${encodeURIComponent(grant.id)}`);
        toast('Grant revoked');
        rerender();
      }),
    'danger',
    { 'data-testid': 'revoke-grant' },
  );
  const live = grant.status === 'active' || grant.status === 'pending';
  return h(
    'tr',
    { 'data-grant-id': grant.id },
    h(
      'td',
      {},
      h('a', { href: `#/agents${qs({ grant_id: grant.id })}`, title: grant.id }, code(short(grant.id, 14))),
      h('div', { class: 'small muted' }, grant.created_via === 'consent' ? 'approved by the user' : 'created by API'),
    ),
    h('td', {}, h('a', { href: `#/users/${encodeURIComponent(grant.user_id)}` }, code(short(grant.user_id)))),
    h('td', {}, scopeText(grant)),
    h('td', {}, grant.expires_at ? time(grant.expires_at) : h('span', { class: 'muted' }, '—')),
    h('td', {}, pill(grant.status, grant.status === 'revoked' || grant.status === 'denied' ? 'muted' : undefined)),
    h('td', { class: 'row-actions' }, live ? revoke : null),
  );
}

function auditRow(entry: McpAuditView): HTMLTableRowElement {
  const caller =
    entry.actor === 'grant' && entry.grant_id
      ? h(
          'a',
          { href: `#/agents${qs({ grant_id: entry.grant_id })}`, title: entry.grant_id },
          code(short(entry.grant_id, 14)),
        )
      : h('span', {}, 'developer key');
  const period = entry.start && entry.end ? `${formatDay(entry.start)} → ${formatDay(Date.parse(entry.end) - 1)}` : '—';
  return h(
    'tr',
    { 'data-audit-id': entry.id },
    h('td', {}, time(entry.created_at)),
    h('td', {}, caller),
    h('td', {}, code(entry.tool)),
    h('td', {}, entry.user_id ? code(short(entry.user_id)) : h('span', { class: 'muted' }, '—')),
    h('td', {}, period),
    h('td', {}, String(entry.record_count)),
    h(
      'td',
      { title: entry.message ?? '' },
      pill(entry.outcome, entry.outcome === 'ok' ? 'ok' : entry.outcome === 'refused' ? 'warn' : 'bad'),
      entry.message ? h('div', { class: 'small muted' }, entry.message) : null,
    ),
  );
}
