import { api, ApiError } from '../api.ts';
import { h } from '../dom.ts';
import { schemaFields, type JsonSchemaProperty, type SchemaField } from '../schema-form.ts';
import type { DeliveryView, DestinationView } from '../types.ts';
import {
  busy,
  button,
  card,
  code,
  empty,
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

/** `GET /v2/destination-types`: each type's config schema, from which the forms are built. */
export interface DestinationTypeInfo {
  type: string;
  docs: string;
  config_schema: JsonSchemaProperty;
  secret_fields: string[];
  generated_fields: string[];
}
interface TypesAnswer {
  types: DestinationTypeInfo[];
  event_types: string[];
  formats: string[];
  delivery_modes: string[];
}

/** Fields of the destination view that are settings rather than type config. */
const COMMON = new Set([
  'id',
  'type',
  'delivery_mode',
  'event_types',
  'format',
  'enabled',
  'status',
  'status_notice',
  'failing_since',
  'created_at',
  'updated_at',
]);

const TYPE_LABELS: Record<string, string> = {
  webhook: 'Webhook',
  sql: 'SQL (PostgreSQL, MySQL)',
  mongodb: 'MongoDB',
  firestore: 'Firestore',
  supabase: 'Supabase',
  s3: 'Amazon S3 (or compatible)',
  gcs: 'Google Cloud Storage',
  azure_blob: 'Azure Blob Storage',
  sqs: 'Amazon SQS',
  kafka: 'Kafka',
};
const typeLabel = (type: string) => TYPE_LABELS[type] ?? type;

/**
 * `#/destinations`: every destination type can be created and edited with a form derived from
 * its config schema; each destination can be enabled or disabled, tested, have its generated
 * secret rotated (shown once), and be deleted.
 */
export async function destinationsView(root: HTMLElement, rerender: () => void): Promise<void> {
  const [{ destinations }, types] = await Promise.all([
    api<{ destinations: DestinationView[] }>('GET', '/v2/destinations'),
    api<TypesAnswer>('GET', '/v2/destination-types'),
  ]);
  const secretSlot = h('div', { 'data-testid': 'secret-slot' });
  secretNotice(secretSlot, takeSecret('destinations'));
  const formSlot = h('div', { 'data-testid': 'destination-form-slot' });
  const openCreate = button(
    'New destination',
    () => {
      formSlot.replaceChildren(destinationForm(types, null, formSlot, rerender));
      formSlot.querySelector('select')?.focus();
    },
    'primary',
    { 'data-testid': 'new-destination' },
  );
  root.append(
    pageHeader(
      'Destinations',
      `Where Tributary sends your events: ${types.types.map((t) => typeLabel(t.type)).join(', ')}.`,
      openCreate,
    ),
    secretSlot,
    formSlot,
  );
  if (destinations.length === 0) {
    formSlot.replaceChildren(destinationForm(types, null, formSlot, rerender));
    root.append(
      card(
        'Your destinations',
        empty(
          'No destinations yet',
          'Create one above: every event (new data, connections, tests) is delivered to it with retries.',
        ),
      ),
    );
    return;
  }
  root.append(
    card(
      'Your destinations',
      table(
        ['Destination', 'Status', 'Events', 'Format', 'Created', ''],
        destinations.map((d) => destinationRow(d, types, { secretSlot, formSlot }, rerender)),
        'destinations-table',
      ),
    ),
  );
}

function target(d: DestinationView): string {
  if (typeof d.url === 'string') return d.url;
  return Object.entries(d)
    .filter(([k, v]) => !COMMON.has(k) && (typeof v === 'string' || typeof v === 'number'))
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}

function destinationRow(
  d: DestinationView,
  types: TypesAnswer,
  slots: { secretSlot: HTMLElement; formSlot: HTMLElement },
  rerender: () => void,
): HTMLTableRowElement {
  const path = `/v2/destinations/${encodeURIComponent(d.id)}`;
  const info = types.types.find((t) => t.type === d.type);
  const name = target(d) || d.id;
  const edit = button(
    'Edit',
    () => {
      slots.formSlot.replaceChildren(destinationForm(types, d, slots.formSlot, rerender));
      slots.formSlot.scrollIntoView({ block: 'start' });
      slots.formSlot.querySelector<HTMLElement>('input, select, textarea')?.focus();
    },
    'ghost',
    { 'data-testid': 'edit-destination' },
  );
  const toggle = button(
    d.enabled ? 'Disable' : 'Enable',
    () =>
      void busy(toggle, async () => {
        await api('PATCH', path, { enabled: !d.enabled });
        toast(d.enabled ? 'Destination disabled: nothing is delivered to it' : 'Destination enabled');
        rerender();
      }),
    'ghost',
    { 'data-testid': 'toggle-destination' },
  );
  const test = button(
    'Send test',
    () =>
      void busy(test, async () => {
        const answer = await api<{ delivery: DeliveryView }>('POST', `${path}/test`);
        toast(`Test event queued (delivery ${answer.delivery.id.slice(0, 12)}…). Watch it under Deliveries.`);
      }),
    'secondary',
    { 'data-testid': 'test-destination' },
  );
  const rotate =
    info && info.generated_fields.length > 0
      ? button(
          'Rotate secret',
          () =>
            void busy(rotate!, async () => {
              if (!confirm('Rotate the signing secret? The old secret stops working at once.')) return;
              const answer = await api<Record<string, unknown>>('POST', `${path}/rotate-secret`);
              secretNotice(slots.secretSlot, destinationNotice(`New secret for ${name}`, answer));
              slots.secretSlot.scrollIntoView({ block: 'start' });
            }),
          'ghost',
          { 'data-testid': 'rotate-destination' },
        )
      : null;
  const remove = button(
    'Delete',
    () =>
      void busy(remove, async () => {
        if (!confirm(`Delete the ${typeLabel(d.type)} destination ${name}? Its pending deliveries end as failed.`))
          return;
        await api('DELETE', path);
        toast('Destination deleted');
        rerender();
      }),
    'danger',
    { 'data-testid': 'delete-destination' },
  );
  return h(
    'tr',
    { 'data-destination-id': d.id, 'data-type': d.type },
    h(
      'td',
      {},
      h('div', { class: 'dest-type' }, typeLabel(d.type)),
      h('div', { class: 'mono dest-target' }, name),
      d.status_notice ? h('div', { class: 'error-text small' }, d.status_notice) : null,
    ),
    h(
      'td',
      { 'data-testid': 'destination-status' },
      pill(d.status),
      d.failing_since ? h('div', { class: 'small error-text' }, 'failing since ', time(d.failing_since)) : null,
    ),
    h(
      'td',
      {},
      d.event_types
        ? h('div', { class: 'chips' }, ...d.event_types.map((t) => h('span', { class: 'chip' }, t)))
        : h('span', { class: 'muted' }, 'all events'),
    ),
    h('td', {}, code(`${d.format} · ${d.delivery_mode}`)),
    h('td', {}, time(d.created_at)),
    h('td', { class: 'row-actions' }, edit, toggle, test, rotate, remove),
  );
}

function destinationNotice(title: string, answer: Record<string, unknown>): SecretNotice {
  return {
    title,
    hint: 'Verify the terra-signature (or webhook-signature) header of each request with it.',
    secrets: Object.entries(answer)
      .filter(([key, value]) => /secret/i.test(key) && typeof value === 'string')
      .map(([key, value]) => [key, String(value)]),
  };
}

let formCount = 0;

/**
 * The create (`existing` null) or edit form. Create: pick a type, its config fields appear.
 * Edit: the type is fixed; only changed fields are sent, an emptied one as `null` (cleared); an
 * empty secret keeps the stored one.
 */
function destinationForm(
  types: TypesAnswer,
  existing: DestinationView | null,
  slot: HTMLElement,
  rerender: () => void,
): HTMLElement {
  const prefix = `dest${++formCount}`;
  const typeSelect = h(
    'select',
    { id: 'dest-type', name: 'type', disabled: existing ? true : null },
    ...types.types.map((t) =>
      h('option', { value: t.type, selected: t.type === existing?.type ? true : null }, typeLabel(t.type)),
    ),
  );
  const configHost = h('div', { class: 'form-fields', 'data-testid': 'config-fields' });
  const docs = h('p', { class: 'small muted' });
  let fields: SchemaField[] = [];
  const current = existing
    ? Object.fromEntries(Object.entries(existing).filter(([key]) => !COMMON.has(key)))
    : undefined;
  const renderConfig = () => {
    const info = types.types.find((t) => t.type === typeSelect.value)!;
    fields = schemaFields(info.config_schema, {
      prefix: `${prefix}-${info.type}`,
      secretFields: info.secret_fields,
      generatedFields: info.generated_fields,
      current,
    });
    configHost.replaceChildren(...fields.map((f) => f.element));
    configHost.dataset.type = info.type;
    docs.replaceChildren('Every field is explained in ', code(info.docs), '.');
  };
  typeSelect.addEventListener('change', renderConfig);
  renderConfig();

  const eventBoxes = types.event_types.map((type) =>
    h('input', {
      type: 'checkbox',
      name: 'event_types',
      value: type,
      id: `${prefix}-event-${type}`,
      checked: existing?.event_types?.includes(type) ? true : null,
    }),
  );
  const events = h(
    'fieldset',
    { class: 'field field-wide event-types', 'data-testid': 'event-types' },
    h('legend', {}, 'Event types'),
    h('p', { class: 'small muted' }, 'None checked: every event type (connection_stale only when checked).'),
    h(
      'div',
      { class: 'checks' },
      ...eventBoxes.map((box) => h('label', { class: 'check', for: box.id }, box, box.value)),
    ),
  );
  const choice = (id: string, label: string, values: string[], value: string | undefined) => {
    const select = h(
      'select',
      { id, name: id },
      ...values.map((v) => h('option', { value: v, selected: v === value ? true : null }, v)),
    );
    return { select, element: h('div', { class: 'field' }, h('label', { for: id }, label), select) };
  };
  const format = choice(`${prefix}-format`, 'Format', types.formats, existing?.format);
  const mode = choice(`${prefix}-mode`, 'Delivery mode', types.delivery_modes, existing?.delivery_mode);
  const paused = existing ? null : h('input', { type: 'checkbox', id: `${prefix}-paused`, name: 'paused' });
  const errors = h('div', { 'aria-live': 'polite' });
  const submit = h(
    'button',
    { type: 'submit', class: 'btn btn-primary' },
    existing ? 'Save changes' : 'Create destination',
  );
  const cancel = button('Cancel', () => slot.replaceChildren(), 'ghost');
  const form = h(
    'form',
    {
      class: 'dest-form',
      'data-testid': existing ? 'edit-destination-form' : 'create-destination',
      novalidate: true,
      onsubmit: ((event: Event) => {
        event.preventDefault();
        errors.replaceChildren();
        for (const f of fields) f.invalid(null);
        if (!form.reportValidity()) return;
        void busy(
          submit,
          async () => {
            const config: Record<string, unknown> = {};
            for (const f of fields) {
              const value = f.read();
              // Emptied on edit: `null` clears the stored value (secrets are never shown, so never cleared).
              if (value === undefined) {
                if (existing && current?.[f.name] !== undefined) config[f.name] = null;
                continue;
              }
              if (existing && JSON.stringify(value) === JSON.stringify(current?.[f.name])) continue;
              config[f.name] = value;
            }
            const checked = eventBoxes.filter((b) => b.checked).map((b) => b.value);
            const common = {
              event_types: checked.length ? checked : null,
              format: format.select.value,
              delivery_mode: mode.select.value,
            };
            try {
              if (existing) {
                await api('PATCH', `/v2/destinations/${encodeURIComponent(existing.id)}`, {
                  ...common,
                  ...(Object.keys(config).length ? { config } : {}),
                });
                toast('Destination saved');
              } else {
                const created = await api<Record<string, unknown>>('POST', '/v2/destinations', {
                  type: typeSelect.value,
                  config,
                  ...common,
                  event_types: checked.length ? checked : undefined,
                  enabled: !paused?.checked,
                });
                showSecretAfterRender(
                  'destinations',
                  destinationNotice(`${typeLabel(typeSelect.value)} destination created`, created),
                );
                toast('Destination created');
              }
            } catch (error) {
              // The API names the field it refused: mark it.
              if (error instanceof ApiError && error.parameter) {
                const name = error.parameter.replace(/^config\./, '').split('.')[0];
                fields.find((f) => f.name === name)?.invalid(error.message);
              }
              throw error;
            }
            rerender();
          },
          errors,
        );
      }) as EventListener,
    },
    h(
      'div',
      { class: 'form-fields' },
      h('div', { class: 'field' }, h('label', { for: 'dest-type' }, 'Type'), typeSelect),
      format.element,
      mode.element,
      paused
        ? h('div', { class: 'field' }, h('label', { class: 'check', for: paused.id }, paused, 'Create paused'))
        : null,
    ),
    h('h3', { class: 'form-section' }, 'Configuration'),
    docs,
    configHost,
    events,
    errors,
    h('div', { class: 'form-actions' }, submit, cancel),
  );
  return card(
    existing ? `Edit ${typeLabel(existing.type)} destination` : 'New destination',
    existing ? h('p', { class: 'small muted mono' }, existing.id) : null,
    form,
  );
}
