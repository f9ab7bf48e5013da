import { api } from '../api.ts';
import { h } from '../dom.ts';
import type { IntegrationProvider } from '../types.ts';
import { card, empty, pageHeader, pill } from '../ui.ts';

const SETUP_NOTES: Record<string, string> = {
  OAUTH: 'The user signs in at the provider',
  PASSWORD: 'The user signs in on a hosted form',
  UPLOAD: 'The user uploads workout files',
  SDK: 'Through the mobile SDK',
  MOBILE_SDK: 'Through the mobile SDK (data comes from the phone)',
};

export async function integrationsView(root: HTMLElement): Promise<void> {
  const { providers } = await api<{ providers: IntegrationProvider[] }>('GET', '/v2/integrations/detailed?sdk=true');
  root.append(
    pageHeader(
      'Integrations',
      'Providers this server offers to your users (narrowed to the ones enabled for your dev-id).',
    ),
  );
  if (providers.length === 0) {
    root.append(
      card(
        null,
        empty(
          'No providers configured',
          'The operator enables providers with TRIBUTARY_PROVIDER_* settings; see the README.',
        ),
      ),
    );
    return;
  }
  root.append(
    h(
      'div',
      { class: 'integrations' },
      ...providers.map((p) =>
        h(
          'article',
          { class: 'card integration' },
          h(
            'div',
            { class: 'integration-head' },
            icon(p),
            h('div', {}, h('h2', { class: 'card-title' }, p.name), h('div', { class: 'small muted mono' }, p.provider)),
            pill(p.enabled ? 'active' : 'disabled'),
          ),
          h('p', { class: 'small muted' }, SETUP_NOTES[p.setup] ?? p.setup),
          h(
            'div',
            { class: 'chips' },
            ...Object.entries(p.types)
              .filter(([, on]) => on)
              .map(([type]) => h('span', { class: 'chip' }, type.replace('_', ' '))),
          ),
        ),
      ),
    ),
  );
}

function icon(p: IntegrationProvider): HTMLElement {
  const fallback = h(
    'span',
    { class: 'integration-icon integration-initial', 'aria-hidden': 'true' },
    p.name.slice(0, 1),
  );
  if (!p.icon) return fallback;
  const img = h('img', { class: 'integration-icon', src: p.icon, alt: '', width: 40, height: 40 });
  img.addEventListener('error', () => img.replaceWith(fallback));
  return img;
}
