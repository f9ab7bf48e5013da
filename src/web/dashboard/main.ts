import {
  api,
  forgetCredentials,
  loadCredentials,
  saveCredentials,
  whenUnauthorized,
  WRONG_CREDENTIALS,
  ApiError,
  type Credentials,
} from './api.ts';
import { h, s } from './dom.ts';
import { errorBox, loading } from './ui.ts';
import { deliveriesView } from './views/deliveries.ts';
import { destinationsView } from './views/destinations.ts';
import { eventsView } from './views/events.ts';
import { integrationsView } from './views/integrations.ts';
import { keysView } from './views/keys.ts';
import { mcpView } from './views/mcp.ts';
import type { KeysAnswer } from './types.ts';
import { overviewView } from './views/overview.ts';
import { usersView } from './views/users.ts';
import { userDetailView } from './views/explorer.ts';

/**
 * The Tributary developer dashboard: a hash-routed single page over the /v2 API.
 * Routes: #/overview, #/users, #/users/<id>, #/destinations, #/deliveries[?filters], #/events[?filters], #/keys,
 * #/agents, #/integrations.
 */
const NAV = [
  { path: 'overview', label: 'Overview', icon: 'M3 13h8V3H3zm0 8h8v-6H3zm10 0h8V11h-8zm0-18v6h8V3z' },
  {
    path: 'users',
    label: 'Users',
    icon: 'M16 11a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.7 0-8 1.3-8 4v3h8v-3c0-1 .4-2 1.2-2.8A12 12 0 0 0 8 13zm8 0c-2.7 0-8 1.3-8 4v3h16v-3c0-2.7-5.3-4-8-4z',
  },
  { path: 'destinations', label: 'Destinations', icon: 'M12 2 2 7l10 5 10-5zm-8 9.5V17l8 4 8-4v-5.5l-8 4z' },
  { path: 'deliveries', label: 'Deliveries', icon: 'M2 12h14l-4-4 1.4-1.4L20 13l-6.6 6.4L12 18l4-4H2zm18-8h2v16h-2z' },
  { path: 'events', label: 'Events', icon: 'M13 2 4 14h7l-1 8 9-12h-7z' },
  {
    path: 'keys',
    label: 'API keys',
    icon: 'M7 14a2 2 0 1 1 2-2 2 2 0 0 1-2 2zm5.6-4A6 6 0 1 0 12.6 14H16v3h3v-3h2v-4z',
  },
  {
    path: 'agents',
    label: 'AI agents',
    icon: 'M12 2a2 2 0 0 1 2 2v1h3a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V8a3 3 0 0 1 3-3h3V4a2 2 0 0 1 2-2zM9 11a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z',
  },
  {
    path: 'integrations',
    label: 'Integrations',
    icon: 'M7 2v6H4v4a6 6 0 0 0 5 5.9V22h2v-4.1A6 6 0 0 0 16 12V8h-3V2h-2v6H9V2z',
  },
] as const;

const app = document.getElementById('app')!;

function start(): void {
  whenUnauthorized((message) => signIn(message));
  window.addEventListener('hashchange', () => void route());
  if (loadCredentials()) void route();
  else signIn();
  setInterval(() => void liveCheck(), LIVE_POLL_MS);
}

/** How often the open view asks whether anything happened (a new event: data, a connection…). */
const LIVE_POLL_MS = 4000;
/** Views that refresh themselves; forms with secrets shown once (keys, destinations) never do. */
const LIVE_SECTIONS = new Set(['overview', 'users', 'events', 'deliveries']);
let liveSince = new Date().toISOString();
let liveBusy = false;

/**
 * Live updates by polling `GET /v2/events?since=`: when an event was emitted since the last
 * look (new data, a widget connection, a deauth), the open view is rendered again, keeping
 * the scroll position — unless the developer is typing in a field, has a row's details open,
 * has loaded more rows, or the tab is hidden.
 */
async function liveCheck(): Promise<void> {
  const section = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] || 'overview';
  if (liveBusy || document.hidden || !loadCredentials() || !LIVE_SECTIONS.has(section) || reading()) return;
  liveBusy = true;
  try {
    const now = new Date().toISOString();
    const answer = await api<{ events: unknown[] }>('GET', `/v2/events?since=${encodeURIComponent(liveSince)}&limit=1`);
    liveSince = now;
    if (answer.events.length === 0) return;
    const scroll = window.scrollY;
    await route(true);
    window.scrollTo(0, scroll);
  } catch {
    // A failed look is retried at the next tick; a 401 already signed the tab out.
  } finally {
    liveBusy = false;
  }
}

/**
 * Whether the developer is busy with the open view: typing in a field, reading a row's
 * details (a payload, a delivery's attempts), or paged on with "Load more".
 */
function reading(): boolean {
  return (
    document.activeElement?.matches('input, select, textarea') === true ||
    document.querySelector('.detail-row:not([hidden]), [data-live="hold"]') !== null
  );
}

function signIn(message?: string): void {
  const previous = loadCredentials()?.devId;
  forgetCredentials();
  const devId = h('input', {
    id: 'dev-id',
    name: 'dev-id',
    type: 'text',
    required: true,
    autocomplete: 'username',
    spellcheck: 'false',
    placeholder: 'dev-id',
    value: previous ?? null,
  });
  const apiKey = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    required: true,
    autocomplete: 'current-password',
    placeholder: 'x-api-key',
  });
  const feedback = h(
    'div',
    { class: 'signin-feedback', 'aria-live': 'assertive' },
    message ? h('div', { class: 'alert alert-bad', role: 'alert' }, message) : null,
  );
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'signin-card',
      onsubmit: ((event: Event) => {
        event.preventDefault();
        const credentials: Credentials = { devId: devId.value.trim(), apiKey: apiKey.value.trim() };
        submit.disabled = true;
        feedback.replaceChildren();
        // A cheap authenticated read checks the pair before it is kept.
        api<KeysAnswer>('GET', '/v2/keys', undefined, credentials)
          .then((answer) => {
            saveCredentials({ ...credentials, name: answer.developer.name });
            if (!location.hash || location.hash === '#/') location.hash = '#/overview';
            void route();
          })
          .catch((error: unknown) => {
            feedback.replaceChildren(
              h(
                'div',
                { class: 'alert alert-bad', role: 'alert' },
                error instanceof ApiError && error.status === 401
                  ? WRONG_CREDENTIALS
                  : error instanceof Error
                    ? error.message
                    : String(error),
              ),
            );
            submit.disabled = false;
          });
      }) as EventListener,
    },
    brand(),
    h('h1', {}, 'Sign in to your dashboard'),
    h(
      'p',
      { class: 'muted' },
      'Use the dev-id and API key your Tributary operator gave you. They stay in this browser tab only.',
    ),
    h('label', { for: 'dev-id' }, 'Dev ID'),
    devId,
    h('label', { for: 'api-key' }, 'API key'),
    apiKey,
    feedback,
    submit,
  );
  app.replaceChildren(h('main', { class: 'signin' }, form));
  (previous ? apiKey : devId).focus();
}

function brand(): HTMLElement {
  const logo = s(
    'svg',
    { viewBox: '0 0 32 32', class: 'brand-logo', 'aria-hidden': 'true' },
    s('rect', { width: 32, height: 32, rx: 8, class: 'brand-bg' }),
    s('path', { d: 'M7 11c4 0 4 4 9 4s5-4 9-4M7 17c4 0 4 4 9 4s5-4 9-4', class: 'brand-wave' }),
  );
  return h('div', { class: 'brand' }, logo, h('span', {}, 'Tributary'));
}

function shell(current: string): HTMLElement {
  const credentials = loadCredentials();
  const content = h('main', { class: 'content', id: 'content', tabindex: -1 });
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Dashboard' },
    ...NAV.map((item) =>
      h(
        'a',
        {
          href: `#/${item.path}`,
          class: item.path === current ? 'nav-link active' : 'nav-link',
          'aria-current': item.path === current ? 'page' : null,
        },
        s('svg', { viewBox: '0 0 24 24', class: 'nav-icon', 'aria-hidden': 'true' }, s('path', { d: item.icon })),
        item.label,
      ),
    ),
  );
  const account = h(
    'div',
    { class: 'account' },
    h('div', { class: 'account-label' }, 'Signed in as'),
    h('div', { class: 'account-name', 'data-testid': 'developer-name' }, credentials?.name ?? ''),
    h('div', { class: 'account-id mono', title: credentials?.devId ?? '' }, credentials?.devId ?? ''),
    h(
      'button',
      { type: 'button', class: 'btn btn-ghost btn-small', onclick: (() => signIn()) as EventListener },
      'Sign out',
    ),
  );
  const links = h(
    'div',
    { class: 'side-links' },
    h('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'API reference ↗'),
  );
  app.replaceChildren(
    h('div', { class: 'layout' }, h('aside', { class: 'sidebar' }, brand(), nav, links, account), content),
  );
  return content;
}

/**
 * Renders the view the hash names. `live`: a refresh of the view on screen, built off-screen
 * and swapped in whole (no loading state), dropped if the developer moved on or started
 * reading something meanwhile.
 */
async function route(live = false): Promise<void> {
  if (!loadCredentials()) return signIn();
  const hash = location.hash;
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = NAV.some((n) => n.path === parts[0]) ? parts[0] : 'overview';
  const shown = live ? document.querySelector<HTMLElement>('#content > .view') : null;
  if (live && !shown) return;
  const body = shown ?? h('div', { class: 'view' }, loading());
  if (!live) shell(section).append(body);
  const view = h('div', { class: 'view' });
  const rerender = () => void route();
  try {
    switch (section) {
      case 'users':
        await (parts[1]
          ? userDetailView(view, parts[1], new URLSearchParams(search))
          : usersView(view, new URLSearchParams(search), rerender));
        break;
      case 'destinations':
        await destinationsView(view, rerender);
        break;
      case 'deliveries':
        await deliveriesView(view, new URLSearchParams(search));
        break;
      case 'events':
        await eventsView(view, new URLSearchParams(search));
        break;
      case 'keys':
        await keysView(view, rerender);
        break;
      case 'agents':
        await mcpView(view, new URLSearchParams(search), rerender);
        break;
      case 'integrations':
        await integrationsView(view);
        break;
      default:
        await overviewView(view);
    }
    if (live && (location.hash !== hash || !body.isConnected || reading())) return;
    body.replaceWith(view);
  } catch (error) {
    if (live || (error instanceof ApiError && error.status === 401)) return;
    body.replaceChildren(errorBox(error));
  }
}

start();
