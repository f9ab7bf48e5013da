import { api, loadCredentials, qs } from '../api.ts';
import { h } from '../dom.ts';
import { hypnogram, lineChart, routeMap, series, type Point } from '../plot.ts';
import type { ConnectionHealth, EventSummary, HealthPage, TerraUser } from '../types.ts';
import {
  busy,
  button,
  card,
  code,
  empty,
  errorBox,
  formatDate,
  formatDateTime,
  pageHeader,
  pill,
  table,
  time,
} from '../ui.ts';
import { healthPill, providerBadge } from './users.ts';
import { eventRows, eventsTable } from './events.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- Terra records are read as loosely shaped JSON */
type Rec = Record<string, any>;

const DAY_MS = 86_400_000;
const TYPES = [
  { type: 'activity', path: 'activity', label: 'Activities' },
  { type: 'sleep', path: 'sleep', label: 'Sleep' },
  { type: 'daily', path: 'daily', label: 'Daily' },
  { type: 'body', path: 'body', label: 'Body' },
  { type: 'nutrition', path: 'nutrition', label: 'Nutrition' },
  { type: 'menstruation', path: 'menstruation', label: 'Menstruation' },
] as const;
type Kind = (typeof TYPES)[number]['type'];

/** Terra's natural key, as the store computes it: summary_id, or the day of start_time. */
const keyOf = (kind: Kind, record: Rec): string =>
  kind === 'activity' || kind === 'sleep'
    ? String(record.metadata?.summary_id ?? '')
    : String(record.metadata?.start_time ?? '').slice(0, 10);

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `#/users/<id>?type=&start=&end=&record=`: a user's data explorer — connection health, any
 * date range, every data type, a record's detail (route, sample charts, laps, hypnogram,
 * downloads) with its raw provider payload beside it.
 */
export async function userDetailView(root: HTMLElement, userId: string, params: URLSearchParams): Promise<void> {
  const kind = TYPES.find((t) => t.type === params.get('type'))?.type ?? 'activity';
  const end = params.get('end') ?? isoDay(Date.now());
  const start = params.get('start') ?? isoDay(Date.parse(end) - 30 * DAY_MS);
  const recordKey = params.get('record');
  const [info, health] = await Promise.all([
    api<{ user: TerraUser; is_authenticated: boolean }>('GET', `/v2/userInfo${qs({ user_id: userId })}`),
    api<HealthPage>('GET', `/v2/connections/health${qs({ user_id: userId })}`),
  ]);
  const user = info.user;
  const link = (over: Record<string, string | undefined>) =>
    `#/users/${encodeURIComponent(userId)}${qs({ type: kind, start, end, ...over })}`;
  root.append(
    h('a', { href: '#/users', class: 'back' }, '← All users'),
    pageHeader(user.reference_id ?? 'User without reference', `${user.provider} · ${user.user_id}`),
    healthCard(health.connections[0]) ?? '',
    rangeForm(userId, kind, start, end),
    h(
      'nav',
      { class: 'tabs', 'aria-label': 'Data types' },
      ...TYPES.map((t) =>
        h(
          'a',
          {
            class: t.type === kind ? 'tab active' : 'tab',
            href: link({ type: t.type, record: undefined }),
            'aria-current': t.type === kind ? 'page' : null,
          },
          t.label,
        ),
      ),
    ),
  );
  const path = TYPES.find((t) => t.type === kind)!.path;
  const answer = await api<{ data?: Rec[] }>(
    'GET',
    `/v2/${path}${qs({ user_id: userId, start_date: start, end_date: end, to_webhook: 'false' })}`,
  );
  const records = answer.data ?? [];
  const detail = h('div', { 'data-testid': 'record-detail' });
  root.append(
    listCard(kind, records, start, end, (record) => link({ record: keyOf(kind, record) })),
    detail,
  );
  const chosen = recordKey ? records.find((r) => keyOf(kind, r) === recordKey) : undefined;
  if (chosen) {
    detail.append(h('div', { class: 'loading' }, 'Loading the record…'));
    await recordDetail(detail, userId, kind, path, chosen).catch((error) =>
      detail.replaceChildren(card('Record', errorBox(error))),
    );
  }
  root.append(await recentEvents(userId));
}

/** How many of the user's latest events (of the last 30 days) the user page lists. */
const RECENT_EVENTS = 10;

/** The user's latest events, newest first, each with its payload and deliveries on demand. */
async function recentEvents(userId: string): Promise<HTMLElement> {
  const since = new Date(Date.now() - 30 * DAY_MS).toISOString();
  let events: EventSummary[] = [];
  let cursor: string | null = null;
  // Oldest first, 500 a page: keep the last page's tail.
  for (let page = 0; page < 10; page++) {
    const answer: { events: EventSummary[]; cursor: string | null } = await api(
      'GET',
      `/v2/events${qs({ user_id: userId, since, limit: 500, cursor })}`,
    );
    events = [...events, ...answer.events].slice(-RECENT_EVENTS);
    cursor = answer.cursor;
    if (!cursor) break;
  }
  const body = h('tbody', {});
  for (const event of events.reverse()) body.append(...eventRows(event));
  return h(
    'div',
    { 'data-testid': 'user-events' },
    card(
      'Recent events',
      events.length === 0
        ? empty('No events in the last 30 days', 'New data, connections and deauthorizations of this user show here.')
        : eventsTable(body),
      h(
        'p',
        { class: 'small' },
        h('a', { href: `#/events${qs({ user_id: userId, days: '30' })}` }, 'All events of this user →'),
        ' · ',
        h('a', { href: `#/deliveries${qs({ user_id: userId })}` }, 'Deliveries of this user →'),
      ),
    ),
  );
}

function healthCard(c: ConnectionHealth | undefined): HTMLElement | null {
  if (!c) return null;
  const item = (label: string, value: Node | string) =>
    h(
      'div',
      { class: 'stat' },
      h('div', { class: 'stat-label' }, label),
      h('div', { class: 'stat-value stat-small' }, value),
    );
  return h(
    'div',
    { class: 'stats', 'data-testid': 'user-health-card' },
    item('Provider', providerBadge(c.provider)),
    item('State', h('span', { class: 'stat-pills' }, pill(c.active ? c.state : 'inactive'), healthPill(c))),
    item('Last data', time(c.last_data_at)),
    item('Last sync', c.last_sync_success_at ? time(c.last_sync_success_at) : '—'),
    item(
      'Last sync failure',
      c.last_sync_failure_at
        ? h(
            'span',
            { class: 'error-text', title: c.last_sync_error ?? '' },
            time(c.last_sync_failure_at),
            c.last_sync_error ? ` · ${c.last_sync_error}` : '',
          )
        : '—',
    ),
  );
}

function rangeForm(userId: string, kind: Kind, start: string, end: string): HTMLElement {
  const from = h('input', { type: 'date', id: 'range-start', value: start, required: true });
  const to = h('input', { type: 'date', id: 'range-end', value: end, required: true });
  const preset = (days: number | null, label: string) =>
    h(
      'a',
      {
        class: 'btn btn-ghost btn-small',
        href: `#/users/${encodeURIComponent(userId)}${qs({
          type: kind,
          start: days === null ? '1970-01-01' : isoDay(Date.now() - days * DAY_MS),
          end: isoDay(Date.now()),
        })}`,
      },
      label,
    );
  return card(
    null,
    h(
      'form',
      {
        class: 'range-bar',
        'data-testid': 'range-form',
        onsubmit: ((event: Event) => {
          event.preventDefault();
          location.hash = `#/users/${encodeURIComponent(userId)}${qs({ type: kind, start: from.value, end: to.value })}`;
        }) as EventListener,
      },
      h('div', { class: 'field' }, h('label', { for: 'range-start' }, 'From'), from),
      h('div', { class: 'field' }, h('label', { for: 'range-end' }, 'To (inclusive)'), to),
      h('div', { class: 'field field-submit' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, 'Show')),
      h(
        'div',
        { class: 'presets' },
        preset(7, '7 days'),
        preset(30, '30 days'),
        preset(365, '1 year'),
        preset(null, 'All'),
      ),
    ),
  );
}

const num = (value: unknown, digits = 0, suffix = '') =>
  typeof value === 'number' && Number.isFinite(value)
    ? `${value.toLocaleString(undefined, { maximumFractionDigits: digits })}${suffix}`
    : '—';

const durationText = (seconds: number) =>
  seconds > 0
    ? `${Math.floor(seconds / 3600) ? `${Math.floor(seconds / 3600)} h ` : ''}${Math.round((seconds % 3600) / 60)} min`
    : '—';

function span(record: Rec): number {
  const a = Date.parse(record.metadata?.start_time ?? '');
  const b = Date.parse(record.metadata?.end_time ?? '');
  return Number.isFinite(a) && Number.isFinite(b) && b > a ? (b - a) / 1000 : 0;
}

/** Per type: the list's columns and, over the range, a trend. */
const COLUMNS: Record<Kind, { headers: string[]; cells: (r: Rec) => (string | Node)[] }> = {
  activity: {
    headers: ['Activity', 'Start', 'Duration', 'Distance', 'Avg HR'],
    cells: (r) => [
      r.metadata?.name ?? 'Activity',
      formatDateTime(r.metadata?.start_time),
      durationText(r.active_durations_data?.activity_seconds || span(r)),
      num((r.distance_data?.summary?.distance_meters ?? NaN) / 1000, 2, ' km'),
      num(r.heart_rate_data?.summary?.avg_hr_bpm, 0, ' bpm'),
    ],
  },
  sleep: {
    headers: ['Night', 'Start', 'In bed', 'Asleep', 'Efficiency'],
    cells: (r) => [
      formatDate(r.metadata?.start_time),
      formatDateTime(r.metadata?.start_time),
      durationText(r.sleep_durations_data?.other?.duration_in_bed_seconds ?? span(r)),
      durationText(r.sleep_durations_data?.asleep?.duration_asleep_state_seconds ?? 0),
      num(r.sleep_durations_data?.sleep_efficiency, 2),
    ],
  },
  daily: {
    headers: ['Day', 'Steps', 'Calories', 'Avg HR', 'Scores'],
    cells: (r) => [
      formatDate(r.metadata?.start_time),
      num(r.distance_data?.steps),
      num(r.calories_data?.total_burned_calories, 0, ' kcal'),
      num(r.heart_rate_data?.summary?.avg_hr_bpm, 0, ' bpm'),
      Object.entries(r.scores ?? {})
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k} ${num(v)}`)
        .join(' · ') || '—',
    ],
  },
  body: {
    headers: ['Day', 'Weight', 'BMI', 'Body fat', 'Resting HR'],
    cells: (r) => {
      const m = r.measurements_data?.measurements?.[0] ?? {};
      return [
        formatDate(r.metadata?.start_time),
        num(m.weight_kg, 1, ' kg'),
        num(m.BMI ?? m.bmi, 1),
        num(m.bodyfat_percentage, 1, ' %'),
        num(r.heart_data?.heart_rate_data?.summary?.resting_hr_bpm, 0, ' bpm'),
      ];
    },
  },
  nutrition: {
    headers: ['Day', 'Calories', 'Protein', 'Carbs', 'Fat'],
    cells: (r) => [
      formatDate(r.metadata?.start_time),
      num(r.summary?.macros?.calories, 0, ' kcal'),
      num(r.summary?.macros?.protein_g, 0, ' g'),
      num(r.summary?.macros?.carbohydrates_g, 0, ' g'),
      num(r.summary?.macros?.fat_g, 0, ' g'),
    ],
  },
  menstruation: {
    headers: ['Day', 'Flow', 'Phase', 'Cycle day', 'Period length'],
    cells: (r) => [
      formatDate(r.metadata?.start_time),
      String(r.menstruation_data?.menstruation_flow?.at?.(-1)?.flow ?? '—'),
      String(r.menstruation_data?.current_phase ?? '—'),
      num(r.menstruation_data?.day_in_cycle),
      num(r.menstruation_data?.period_length_days),
    ],
  },
};

/** Per type, the trends drawn over the chosen range: [title, unit, value of a record, drawn as]. */
const TRENDS: Record<Kind, [string, string, (r: Rec) => unknown, 'line' | 'bars'][]> = {
  activity: [['Distance per activity', 'km', (r) => (r.distance_data?.summary?.distance_meters ?? NaN) / 1000, 'bars']],
  sleep: [
    ['Hours asleep', 'h', (r) => (r.sleep_durations_data?.asleep?.duration_asleep_state_seconds ?? NaN) / 3600, 'bars'],
    ['Average HRV (RMSSD)', 'ms', (r) => r.heart_rate_data?.summary?.avg_hrv_rmssd, 'line'],
  ],
  daily: [
    ['Steps per day', 'steps', (r) => r.distance_data?.steps, 'bars'],
    ['Calories burned', 'kcal', (r) => r.calories_data?.total_burned_calories, 'bars'],
    ['Average heart rate', 'bpm', (r) => r.heart_rate_data?.summary?.avg_hr_bpm, 'line'],
    ['Resting heart rate', 'bpm', (r) => r.heart_rate_data?.summary?.resting_hr_bpm, 'line'],
  ],
  body: [
    ['Weight', 'kg', (r) => r.measurements_data?.measurements?.[0]?.weight_kg, 'line'],
    ['Body fat', '%', (r) => r.measurements_data?.measurements?.[0]?.bodyfat_percentage, 'line'],
    ['Resting heart rate', 'bpm', (r) => r.heart_data?.heart_rate_data?.summary?.resting_hr_bpm, 'line'],
  ],
  nutrition: [
    ['Calories eaten', 'kcal', (r) => r.summary?.macros?.calories, 'bars'],
    ['Protein', 'g', (r) => r.summary?.macros?.protein_g, 'bars'],
  ],
  menstruation: [
    ['Day in cycle', 'day', (r) => r.menstruation_data?.day_in_cycle, 'line'],
    ['Cycle length', 'days', (r) => r.menstruation_data?.cycle_length_days, 'line'],
  ],
};

function trend(kind: Kind, records: Rec[]): HTMLElement | null {
  const at = (r: Rec) => Date.parse(r.metadata?.start_time ?? '');
  const charts: HTMLElement[] = [];
  for (const [title, unit, value, style] of TRENDS[kind]) {
    const points: Point[] = records
      .map((r) => ({ t: at(r), v: Number(value(r)) }))
      .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
      .sort((a, b) => a.t - b.t);
    if (points.length > 1) charts.push(lineChart(title, unit, points, 'accent', style));
  }
  return charts.length
    ? h('div', { class: 'grid-2', 'data-testid': 'trends' }, ...charts.map((c) => card(null, c)))
    : null;
}

function listCard(kind: Kind, records: Rec[], start: string, end: string, href: (r: Rec) => string): HTMLElement {
  const label = TYPES.find((t) => t.type === kind)!.label;
  if (records.length === 0)
    return card(
      `${label} · ${formatDate(start)} – ${formatDate(end)}`,
      empty(
        `No ${label.toLowerCase()} in this period`,
        'Widen the range above (or pick "All"): every stored record of the period is listed.',
      ),
    );
  const columns = COLUMNS[kind];
  const sorted = [...records].sort((a, b) =>
    String(b.metadata?.start_time).localeCompare(String(a.metadata?.start_time)),
  );
  return h(
    'div',
    {},
    trend(kind, records),
    card(
      `${records.length} ${records.length === 1 ? 'record' : 'records'} · ${formatDate(start)} – ${formatDate(end)}`,
      table(
        columns.headers,
        sorted.map((record) => {
          const [first, ...rest] = columns.cells(record);
          return h(
            'tr',
            { 'data-record-key': keyOf(kind, record) },
            h('td', {}, h('a', { href: href(record), class: 'row-link' }, h('strong', {}, first))),
            ...rest.map((cell) => h('td', { class: 'num' }, cell)),
          );
        }),
        'records-table',
      ),
    ),
  );
}

async function recordDetail(slot: HTMLElement, userId: string, kind: Kind, path: string, summary: Rec): Promise<void> {
  const key = keyOf(kind, summary);
  const startMs = Date.parse(summary.metadata?.start_time ?? '');
  // The record's own window (a second wide at its start) reads it alone, with its samples.
  const window = { start_date: String(Math.floor(startMs / 1000)), end_date: String(Math.floor(startMs / 1000) + 1) };
  const [full, raw] = await Promise.all([
    api<{ data?: Rec[] }>(
      'GET',
      `/v2/${path}${qs({ user_id: userId, ...window, to_webhook: 'false', with_samples: 'true' })}`,
    ),
    api<{
      links: {
        natural_key: string;
        raw: { raw_id: string; content_type: string; bytes: number; external_id: string; received_at: string } | null;
      }[];
    }>('GET', `/v2/users/${encodeURIComponent(userId)}/raw${qs({ type: kind, ...window })}`),
  ]);
  const record = full.data?.find((r) => keyOf(kind, r) === key) ?? summary;
  const parts: (HTMLElement | null)[] = [];
  if (kind === 'activity') parts.push(...activityParts(userId, record, window));
  if (kind === 'sleep') parts.push(...sleepParts(record));
  if (kind === 'daily' || kind === 'body') parts.push(dayCharts(kind, record));
  const rawLink = raw.links.find((l) => l.natural_key === key)?.raw ?? null;
  parts.push(await rawBeside(record, rawLink));
  slot.replaceChildren(
    h(
      'h2',
      { class: 'section-title' },
      `${record.metadata?.name ?? TYPES.find((t) => t.type === kind)!.label} · ${formatDateTime(record.metadata?.start_time)}`,
    ),
    ...parts.filter((p): p is HTMLElement => p !== null),
  );
}

function activityParts(userId: string, a: Rec, window: Record<string, string>): (HTMLElement | null)[] {
  const route = routeMap(a.position_data?.position_samples);
  const charts = [
    lineChart('Heart rate', 'bpm', series(a.heart_rate_data?.detailed?.hr_samples, 'bpm'), 'bad'),
    lineChart('Speed', 'km/h', series(a.movement_data?.speed_samples, 'speed_meters_per_second', 3.6), 'info'),
    lineChart('Power', 'W', series(a.power_data?.power_samples, 'watts'), 'warn'),
    lineChart('Cadence', 'rpm', series(a.movement_data?.cadence_samples, 'cadence_rpm'), 'ok'),
    lineChart('Elevation', 'm', series(a.distance_data?.detailed?.elevation_samples, 'elev_meters'), 'accent'),
  ].filter((figure) => Number(figure.dataset.points) > 1);
  const laps: Rec[] = Array.isArray(a.lap_data?.laps) ? a.lap_data.laps : [];
  const summaryId = String(a.metadata?.summary_id ?? '');
  const downloads = h(
    'div',
    { class: 'row-actions', 'data-testid': 'downloads' },
    downloadButton(
      'Download JSON',
      `${summaryId}.json`,
      async () => new Blob([JSON.stringify(a, null, 2)], { type: 'application/json' }),
    ),
    downloadButton('Download FIT', `${summaryId}.fit`, () =>
      fetchBlob(`/v2/activity/${encodeURIComponent(summaryId)}.fit${qs({ user_id: userId })}`),
    ),
    downloadButton('Download FHIR', `${summaryId}.fhir.json`, () =>
      fetchBlob(
        `/v2/activity${qs({ user_id: userId, ...window, to_webhook: 'false', with_samples: 'true', format: 'fhir' })}`,
      ),
    ),
  );
  return [
    card('Downloads', downloads),
    h(
      'div',
      { class: route ? 'grid-route' : '' },
      route ? card('Route', route) : null,
      charts.length
        ? card('Samples', ...charts)
        : card('Samples', empty('No samples stored', 'This activity carries summaries only.')),
    ),
    laps.length
      ? card(
          `${laps.length} laps`,
          table(
            ['Lap', 'Start', 'Duration', 'Distance', 'Avg HR', 'Avg speed'],
            laps.map((lap, i) =>
              h(
                'tr',
                {},
                h('td', {}, String(i + 1)),
                h('td', {}, formatDateTime(lap.start_time)),
                h(
                  'td',
                  { class: 'num' },
                  durationText((Date.parse(lap.end_time) - Date.parse(lap.start_time)) / 1000 || 0),
                ),
                h('td', { class: 'num' }, num((lap.distance_meters ?? NaN) / 1000, 2, ' km')),
                h('td', { class: 'num' }, num(lap.avg_hr_bpm, 0, ' bpm')),
                h('td', { class: 'num' }, num((lap.avg_speed_meters_per_second ?? NaN) * 3.6, 1, ' km/h')),
              ),
            ),
            'laps-table',
          ),
        )
      : null,
  ];
}

function sleepParts(sleep: Rec): (HTMLElement | null)[] {
  const durations = sleep.sleep_durations_data ?? {};
  const stages: [string, unknown][] = [
    ['Awake', durations.awake?.duration_awake_state_seconds],
    ['Light', durations.asleep?.duration_light_sleep_state_seconds],
    ['Deep', durations.asleep?.duration_deep_sleep_state_seconds],
    ['REM', durations.asleep?.duration_REM_sleep_state_seconds],
  ];
  const gram = hypnogram(durations.hypnogram_samples, sleep.metadata?.end_time);
  const charts = [
    lineChart('Heart rate', 'bpm', series(sleep.heart_rate_data?.detailed?.hr_samples, 'bpm'), 'bad'),
    lineChart('HRV (RMSSD)', 'ms', series(sleep.heart_rate_data?.detailed?.hrv_samples_rmssd, 'hrv_rmssd'), 'info'),
  ].filter((figure) => Number(figure.dataset.points) > 1);
  return [
    card(
      'Stages',
      h(
        'div',
        { class: 'stats' },
        ...stages.map(([label, seconds]) =>
          h(
            'div',
            { class: 'stat' },
            h('div', { class: 'stat-label' }, label),
            h('div', { class: 'stat-value stat-small' }, durationText(Number(seconds) || 0)),
          ),
        ),
      ),
      gram ?? h('p', { class: 'muted' }, 'No hypnogram stored for this night.'),
    ),
    charts.length ? card('Heart', ...charts) : null,
  ];
}

/** A day's (daily or body record's) samples: heart rate and steps; glucose and blood pressure. */
function dayCharts(kind: 'daily' | 'body', r: Rec): HTMLElement | null {
  const charts =
    kind === 'daily'
      ? [
          lineChart('Heart rate', 'bpm', series(r.heart_rate_data?.detailed?.hr_samples, 'bpm'), 'bad'),
          lineChart('Steps', 'steps', series(r.distance_data?.detailed?.step_samples, 'steps'), 'ok', 'bars'),
        ]
      : [
          lineChart('Heart rate', 'bpm', series(r.heart_data?.heart_rate_data?.detailed?.hr_samples, 'bpm'), 'bad'),
          lineChart(
            'Blood glucose',
            'mg/dL',
            series(r.glucose_data?.blood_glucose_samples, 'blood_glucose_mg_per_dL'),
            'warn',
          ),
          lineChart(
            'Systolic blood pressure',
            'mmHg',
            series(r.blood_pressure_data?.blood_pressure_samples, 'systolic_bp'),
            'info',
          ),
          lineChart(
            'Diastolic blood pressure',
            'mmHg',
            series(r.blood_pressure_data?.blood_pressure_samples, 'diastolic_bp'),
            'info',
          ),
        ];
  const drawn = charts.filter((figure) => Number(figure.dataset.points) > 1);
  return drawn.length ? card('Samples', ...drawn) : null;
}

/** The normalized record beside the provider payload it came from (raw preserved, visibly). */
async function rawBeside(
  record: Rec,
  raw: { raw_id: string; content_type: string; bytes: number; external_id: string; received_at: string } | null,
): Promise<HTMLElement> {
  const normalized = h(
    'pre',
    { class: 'json', tabindex: 0, 'data-testid': 'normalized-json' },
    JSON.stringify(record, null, 2),
  );
  let rawPart: HTMLElement;
  if (!raw)
    rawPart = empty(
      'No raw payload',
      'This record was written through the API or normalized before raw payloads were kept.',
    );
  else {
    const textual = /json|xml|text|csv/.test(raw.content_type) && raw.bytes <= 2_000_000;
    let body: HTMLElement = h(
      'p',
      { class: 'muted' },
      `${raw.content_type}, ${raw.bytes.toLocaleString()} bytes (binary).`,
    );
    if (textual) {
      const blob = await fetchBlob(`/v2/raw/${encodeURIComponent(raw.raw_id)}`);
      let text = await blob.text();
      if (raw.content_type.includes('json'))
        try {
          text = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          /* shown as received */
        }
      body = h('pre', { class: 'json', tabindex: 0, 'data-testid': 'raw-json' }, text);
    }
    rawPart = h(
      'div',
      {},
      h(
        'p',
        { class: 'small muted' },
        `${raw.external_id} · ${raw.content_type} · ${raw.bytes.toLocaleString()} bytes · received `,
        time(raw.received_at),
        ' · ',
        code(raw.raw_id),
      ),
      body,
      downloadButton('Download raw', raw.raw_id, () => fetchBlob(`/v2/raw/${encodeURIComponent(raw.raw_id)}`)),
    );
  }
  return h(
    'div',
    { class: 'grid-2 raw-beside' },
    card('Normalized (Terra)', normalized),
    card('Raw from the provider', rawPart),
  );
}

async function fetchBlob(path: string): Promise<Blob> {
  const credentials = loadCredentials();
  const response = await fetch(path, {
    headers: credentials ? { 'dev-id': credentials.devId, 'x-api-key': credentials.apiKey } : {},
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${path.split('?')[0]}`);
  return response.blob();
}

function downloadButton(label: string, filename: string, load: () => Promise<Blob>): HTMLButtonElement {
  const btn: HTMLButtonElement = button(
    label,
    () =>
      void busy(btn, async () => {
        const url = URL.createObjectURL(await load());
        const a = h('a', { href: url, download: filename, class: 'sr-only' });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }),
    'secondary',
    { 'data-testid': `download-${label.split(' ').at(-1)!.toLowerCase()}` },
  );
  return btn;
}
