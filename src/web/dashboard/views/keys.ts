import { api, loadCredentials, saveCredentials } from '../api.ts';
import { h } from '../dom.ts';
import type { ApiKeyView, KeysAnswer } from '../types.ts';
import {
  busy,
  button,
  card,
  code,
  pageHeader,
  pill,
  secretNotice,
  showSecretAfterRender,
  table,
  takeSecret,
  time,
  toast,
  type SecretNotice,
} from '../ui.ts';

/**
 * `#/keys`: the developer's named API keys — create (secret shown once), rotate, revoke.
 * Rotating the key this tab signed in with swaps the tab's credentials for the new secret;
 * revoking it signs the tab out.
 */
export async function keysView(root: HTMLElement, rerender: () => void): Promise<void> {
  const { developer, keys } = await api<KeysAnswer>('GET', '/v2/keys');
  const slot = h('div', { 'data-testid': 'key-secret-slot' });
  secretNotice(slot, takeSecret('keys'));
  root.append(
    pageHeader(
      'API keys',
      `Keys of ${developer.name}. Each call authenticates with dev-id ${developer.dev_id} and one of these keys.`,
    ),
    slot,
    createForm(rerender),
    card(
      'Your keys',
      table(
        ['Name', 'Key', 'Created', 'Last used', ''],
        keys.map((key) => keyRow(key, keys.length, rerender)),
      ),
      h(
        'p',
        { class: 'muted small' },
        'A revoked key is refused from its next call on. Your last key cannot be revoked.',
      ),
    ),
  );
}

function keyRow(key: ApiKeyView, count: number, rerender: () => void): HTMLTableRowElement {
  const path = `/v2/keys/${encodeURIComponent(key.id)}`;
  const rotate = button(
    'Rotate',
    () =>
      void busy(rotate, async () => {
        if (!confirm(`Rotate "${key.name}"? Its current secret stops working at once.`)) return;
        const answer = await api<ApiKeyView & { key: string }>('POST', `${path}/rotate`);
        const credentials = loadCredentials();
        if (key.current && credentials) saveCredentials({ ...credentials, apiKey: answer.key });
        showSecretAfterRender('keys', keyNotice(`New secret for "${key.name}"`, answer.key));
        rerender();
      }),
    'ghost',
    { 'data-testid': 'rotate-key' },
  );
  const revoke = button(
    'Revoke',
    () =>
      void busy(revoke, async () => {
        const warning = key.current ? ' This tab is signed in with it and will be signed out.' : '';
        if (!confirm(`Revoke "${key.name}"? Calls with it are refused from now on.${warning}`)) return;
        await api('DELETE', path);
        toast(`Key "${key.name}" revoked`);
        rerender();
      }),
    'danger',
    { 'data-testid': 'revoke-key' },
  );
  if (count === 1) {
    revoke.disabled = true;
    revoke.title = 'Your last key cannot be revoked: create another first';
  }
  return h(
    'tr',
    { 'data-key-id': key.id },
    h('td', {}, h('strong', {}, key.name), key.current ? h('div', {}, pill('this tab', 'info')) : null),
    h('td', {}, code(key.hint ? `…${key.hint}` : 'hidden')),
    h(
      'td',
      {},
      time(key.created_at),
      key.rotated_at ? h('div', { class: 'small muted' }, 'rotated ', time(key.rotated_at)) : null,
    ),
    h(
      'td',
      { 'data-testid': 'last-used' },
      key.last_used_at ? time(key.last_used_at) : h('span', { class: 'muted' }, 'never'),
    ),
    h('td', { class: 'row-actions' }, rotate, revoke),
  );
}

function createForm(rerender: () => void): HTMLElement {
  const name = h('input', {
    type: 'text',
    id: 'key-name',
    required: true,
    maxlength: 100,
    placeholder: 'e.g. production server, CI',
    autocomplete: 'off',
  });
  const errors = h('div', {});
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create key');
  const form = h(
    'form',
    {
      class: 'form-grid',
      'data-testid': 'create-key',
      onsubmit: ((event: Event) => {
        event.preventDefault();
        errors.replaceChildren();
        void busy(
          submit,
          async () => {
            const created = await api<ApiKeyView & { key: string }>('POST', '/v2/keys', { name: name.value });
            showSecretAfterRender('keys', keyNotice(`Key "${created.name}" created`, created.key));
            rerender();
          },
          errors,
        );
      }) as EventListener,
    },
    h('div', { class: 'field field-wide' }, h('label', { for: 'key-name' }, 'Name'), name),
    h('div', { class: 'field field-submit' }, submit),
  );
  return card('New API key', form, errors);
}

function keyNotice(title: string, key: string): SecretNotice {
  return { title, hint: 'Send it as the x-api-key header.', secrets: [['x-api-key', key]] };
}
