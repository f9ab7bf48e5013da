import { ApiError } from './api.ts';
import { clear, h, type Child } from './dom.ts';

/** Shared building blocks of the views: headers, cards, pills, tables, empty and error states. */

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

const STATUS_TONES: Record<string, Tone> = {
  delivered: 'ok',
  active: 'ok',
  connected: 'ok',
  pending: 'warn',
  stale: 'warn',
  healthy: 'ok',
  deauthorized: 'muted',
  failed: 'bad',
  error: 'bad',
  disabled: 'muted',
  inactive: 'muted',
  none: 'muted',
};

export function pill(text: string, tone: Tone = STATUS_TONES[text] ?? 'info'): HTMLElement {
  return h('span', { class: `pill pill-${tone}` }, text);
}

export function pageHeader(title: string, subtitle: string, ...actions: Child[]): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h('div', {}, h('h1', {}, title), h('p', { class: 'subtitle' }, subtitle)),
    h('div', { class: 'actions' }, ...actions),
  );
}

export function card(title: string | null, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, title ? h('h2', { class: 'card-title' }, title) : null, ...children);
}

export function stat(label: string, value: string | number, note: string, tone: Tone | null = null): HTMLElement {
  return h(
    'div',
    { class: `stat${tone ? ` stat-${tone}` : ''}` },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, String(value)),
    h('div', { class: 'stat-note' }, note),
  );
}

export function empty(title: string, hint: string, ...actions: Child[]): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('div', { class: 'empty-mark', 'aria-hidden': 'true' }, '∅'),
    h('p', { class: 'empty-title' }, title),
    h('p', { class: 'empty-hint' }, hint),
    ...actions,
  );
}

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return h(
    'div',
    { class: 'alert alert-bad', role: 'alert' },
    h('strong', {}, 'Something went wrong'),
    h('span', {}, `${message}${status}`),
  );
}

export function loading(text = 'Loading…'): HTMLElement {
  return h(
    'div',
    { class: 'loading', 'aria-busy': 'true' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    text,
  );
}

export function table(headers: string[], rows: HTMLTableRowElement[], extraClass = ''): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', tabindex: 0 },
    h(
      'table',
      { class: `table ${extraClass}` },
      h('thead', {}, h('tr', {}, ...headers.map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, ...rows),
    ),
  );
}

export function button(
  label: string,
  onclick: (event: Event) => void,
  variant: 'primary' | 'secondary' | 'ghost' | 'danger' = 'secondary',
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  return h('button', { type: 'button', class: `btn btn-${variant}`, onclick: onclick, ...attrs }, label);
}

/** Runs an async action from a button: disabled while running, errors shown in `target`. */
export async function busy(btn: HTMLButtonElement, action: () => Promise<void>, target?: HTMLElement): Promise<void> {
  const label = btn.textContent;
  btn.disabled = true;
  btn.classList.add('is-busy');
  try {
    await action();
  } catch (error) {
    if (target) target.replaceChildren(errorBox(error));
    else toast(error instanceof Error ? error.message : String(error), 'bad');
  } finally {
    btn.disabled = false;
    btn.classList.remove('is-busy');
    btn.textContent = label;
  }
}

export function toast(message: string, tone: Tone = 'ok'): void {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const item = h('div', { class: `toast toast-${tone}` }, message);
  host.append(item);
  setTimeout(() => item.remove(), 4000);
}

export function code(text: string): HTMLElement {
  return h('code', { class: 'mono' }, text);
}

/**
 * One date format per locale across the dashboard: every absolute date or time goes
 * through these two formatters (the browser's locale, medium date, short time).
 */
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(value: string | number | Date): string {
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? DATE_TIME.format(date) : String(value);
}

/** A time of day, in the same locale (chart ticks within a day or two). */
const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export function formatTime(value: string | number | Date): string {
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? TIME.format(date) : String(value);
}

export function formatDate(value: string | number | Date): string {
  const date = new Date(value);
  return Number.isFinite(date.getTime()) ? DATE.format(date) : String(value);
}

/** The same date format for a calendar day (`YYYY-MM-DD`, a grant's or a read's range): no time zone shift. */
const DAY = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

export function formatDay(value: string | number | Date): string {
  const date = typeof value === 'string' ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : new Date(value);
  return Number.isFinite(date.getTime()) ? DAY.format(date) : String(value);
}

/** "3 min ago", "in 2 h", or the date for anything older than a week. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const diff = now - ms;
  const abs = Math.abs(diff);
  const unit =
    abs < 60_000
      ? 'just now'
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : abs < 7 * 86_400_000
            ? `${Math.round(abs / 86_400_000)} d`
            : null;
  if (unit === null) return formatDate(ms);
  if (unit === 'just now') return unit;
  return diff >= 0 ? `${unit} ago` : `in ${unit}`;
}

export function time(iso: string | null | undefined): HTMLElement {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: formatDateTime(iso) }, ago(iso));
}

export function short(id: string, keep = 10): string {
  return id.length > keep + 1 ? `${id.slice(0, keep)}…` : id;
}

/**
 * Secrets shown once (an API key, a destination's signing secret): the one notice both views
 * use. A create or rotate re-renders its view; the notice is handed to that render with
 * `showSecretAfterRender` and taken by it with `takeSecret`, then forgotten.
 */
export interface SecretNotice {
  title: string;
  /** How to use the secret (which header carries it, what it signs). */
  hint: string;
  /** Label (field or header name) → secret. */
  secrets: [string, string][];
}

let pendingSecret: { view: string; notice: SecretNotice } | null = null;

export function showSecretAfterRender(view: string, notice: SecretNotice): void {
  pendingSecret = { view, notice };
}

/** The notice waiting for `view`'s render, if any; it is forgotten once taken (shown once). */
export function takeSecret(view: string): SecretNotice | null {
  const notice = pendingSecret?.view === view ? pendingSecret.notice : null;
  pendingSecret = null;
  return notice;
}

/** Fills `slot` with the notice (or empties it); "Done" removes it. */
export function secretNotice(slot: HTMLElement, notice: SecretNotice | null): void {
  if (!notice || notice.secrets.length === 0) {
    slot.replaceChildren();
    return;
  }
  slot.replaceChildren(
    h(
      'div',
      { class: 'alert alert-secret', role: 'status', 'data-testid': 'secret-notice' },
      h('strong', {}, notice.title),
      h('span', {}, `Copy it now: it is shown only once. ${notice.hint}`),
      ...notice.secrets.map(([label, value]) =>
        h(
          'div',
          { class: 'secret-row' },
          h('span', { class: 'muted' }, label),
          h('code', { class: 'mono secret', 'data-testid': 'secret-value' }, value),
          button('Copy', () => void navigator.clipboard?.writeText(value).then(() => toast('Copied'))),
        ),
      ),
      button('Done', () => slot.replaceChildren(), 'ghost'),
    ),
  );
}

/** Longest JSON text drawn in a page (a payload can be megabytes); the rest is cut with a note. */
const JSON_SHOWN_CHARS = 400_000;

/** A JSON value, pretty-printed in a focusable, scrollable block. */
export function jsonBlock(value: unknown, attrs: Record<string, string> = {}): HTMLElement {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const cut = text.length > JSON_SHOWN_CHARS;
  return h(
    'div',
    {},
    h('pre', { class: 'json', tabindex: 0, ...attrs }, cut ? text.slice(0, JSON_SHOWN_CHARS) : text),
    cut
      ? h(
          'p',
          { class: 'small muted' },
          `Showing the first ${JSON_SHOWN_CHARS.toLocaleString()} of ${text.length.toLocaleString()} characters.`,
        )
      : null,
  );
}

/** A `<select>` of `[value, label]` options with `value` selected. */
export function selectControl(id: string, options: [string, string][], value: string): HTMLSelectElement {
  return h(
    'select',
    { id, name: id },
    ...options.map(([v, label]) => h('option', { value: v, selected: v === value ? true : null }, label)),
  );
}

/** The search box of a filter bar (a user id, a reference id). */
export function searchInput(id: string, value: string, placeholder = 'user id'): HTMLInputElement {
  return h('input', {
    type: 'search',
    id,
    name: id,
    value,
    placeholder,
    autocomplete: 'off',
    spellcheck: 'false',
  });
}

/**
 * A list view's filter bar (users, deliveries, events): labelled controls and a Filter
 * button; submitting calls `apply` (which moves to the filtered route).
 */
export function filterBar(
  testId: string,
  fields: [label: string, control: HTMLInputElement | HTMLSelectElement][],
  apply: () => void,
): HTMLElement {
  return card(
    null,
    h(
      'form',
      {
        class: 'filter-bar',
        role: 'search',
        'data-testid': testId,
        onsubmit: ((event: Event) => {
          event.preventDefault();
          apply();
        }) as EventListener,
      },
      ...fields.map(([label, control]) =>
        h('div', { class: 'field' }, h('label', { for: control.id }, label), control),
      ),
      h('div', { class: 'field field-submit' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Filter')),
    ),
  );
}

/**
 * A table row's details, read when opened (a delivery's attempts and payload, an event's
 * payload): the toggle button and the hidden full-width row under it. `load` gives the
 * content; its error is shown in the row.
 */
export function payloadDetails(options: {
  label: string;
  colspan: number;
  testId: string;
  loadingText: string;
  load: () => Promise<Child[]>;
}): { toggle: HTMLButtonElement; row: HTMLTableRowElement } {
  const cell = h('td', { colspan: options.colspan });
  const row = h('tr', { class: 'detail-row', hidden: true }, cell);
  const toggle = button(
    options.label,
    () => {
      if (!row.hidden) {
        row.hidden = true;
        toggle.textContent = options.label;
        toggle.setAttribute('aria-expanded', 'false');
        return;
      }
      row.hidden = false;
      toggle.textContent = 'Hide';
      toggle.setAttribute('aria-expanded', 'true');
      cell.replaceChildren(h('div', { class: 'loading' }, options.loadingText));
      options.load().then(
        (children) => clear(cell, ...children),
        (error: unknown) => cell.replaceChildren(errorBox(error)),
      );
    },
    'ghost',
    { 'aria-expanded': 'false', 'data-testid': options.testId },
  );
  return { toggle, row };
}
