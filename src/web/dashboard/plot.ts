import uPlot from 'uplot';
import { h, s } from './dom.ts';
import { formatDate, formatDateTime, formatTime } from './ui.ts';

/**
 * Charts of the data explorer: uPlot (bundled with the dashboard, no CDN; its stylesheet is
 * served as /dashboard/assets/uplot.css) draws sample series and hypnograms on a canvas, fast
 * for tens of thousands of points; routes are an SVG path from the stored positions, no tiles.
 * A chart is built once its box is laid out and follows its width.
 */
export interface Point {
  t: number;
  v: number;
}

export type Tone = 'accent' | 'bad' | 'info' | 'warn' | 'ok';

/** Reads `samples[i][field]` against `samples[i].timestamp`, dropping what is not a finite number. */
export function series(samples: unknown, field: string, scale = 1): Point[] {
  if (!Array.isArray(samples)) return [];
  const points: Point[] = [];
  for (const sample of samples as Record<string, unknown>[]) {
    const t = Date.parse(String(sample?.timestamp ?? ''));
    const v = Number(sample?.[field]);
    if (Number.isFinite(t) && sample?.[field] !== null && Number.isFinite(v)) points.push({ t, v: v * scale });
  }
  return points.sort((a, b) => a.t - b.t);
}

const HEIGHT = 170;
const DAY_S = 86_400;

/**
 * Builds the chart in `host` once it is on the page with a width (views are built detached,
 * then shown), resizes it with the page, and frees it when `host` leaves the page (it is built
 * again should it come back). The observer goes with `host` when that is collected.
 */
function mount(host: HTMLElement, options: (width: number) => uPlot.Options, data: uPlot.AlignedData): void {
  let chart: uPlot | null = null;
  new ResizeObserver(() => {
    const width = Math.floor(host.clientWidth);
    if (!host.isConnected || width <= 0) {
      chart?.destroy();
      chart = null;
      return;
    }
    if (!chart) chart = new uPlot(options(width), data, host);
    else if (chart.width !== width) chart.setSize({ width, height: HEIGHT });
  }).observe(host);
}

/** The page's colours for a chart: its tone (CSS `color` of the host), grid lines, axis text. */
function palette(host: HTMLElement): { stroke: string; grid: string; text: string; font: string } {
  const style = getComputedStyle(host);
  return {
    stroke: style.color,
    grid: style.getPropertyValue('--line').trim() || '#e3e8ed',
    text: style.getPropertyValue('--muted').trim() || '#5f6f7c',
    font: `12px ${style.fontFamily}`,
  };
}

/** Time ticks in the dashboard's one date format: times of day within two days, dates beyond. */
function timeTicks(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
  return splits.map((t) => (span <= 2 * DAY_S ? formatTime(t * 1000) : formatDate(t * 1000)));
}

/**
 * A time series: a line (samples), or bars (one value per day, a trend). The figure carries
 * `data-points` (how many points it draws) and a text summary for screen readers.
 */
export function lineChart(
  title: string,
  unit: string,
  points: readonly Point[],
  tone: Tone = 'accent',
  style: 'line' | 'bars' = 'line',
): HTMLElement {
  const values = points.map((p) => p.v);
  const min = values.reduce((a, b) => Math.min(a, b), Infinity);
  const max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const avg = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const label = `${title}: ${points.length} samples, from ${fmt(min)} to ${fmt(max)} ${unit}, average ${fmt(avg)} ${unit}`;
  const host = h('div', { class: `plot plot-${tone}`, role: 'img', 'aria-label': label });
  const data: uPlot.AlignedData = [Float64Array.from(points, (p) => p.t / 1000), Float64Array.from(points, (p) => p.v)];
  // Fewer than two points draw nothing (callers leave such a chart out).
  if (points.length > 1)
    mount(
      host,
      (width) => {
        const colors = palette(host);
        const axis = {
          stroke: colors.text,
          font: colors.font,
          grid: { stroke: colors.grid, width: 1 },
          ticks: { show: false },
        };
        return {
          width,
          height: HEIGHT,
          legend: { show: false },
          cursor: { drag: { x: true, y: false } },
          scales: { x: { time: true } },
          series: [
            { value: (_u, t) => (t === null ? '—' : formatDateTime(t * 1000)) },
            {
              label: title,
              stroke: colors.stroke,
              width: 1.5,
              fill: style === 'bars' ? colors.stroke : undefined,
              paths: style === 'bars' ? uPlot.paths.bars!({ size: [0.6, 24] }) : undefined,
              points: { show: style === 'line' && points.length <= 60 },
              value: (_u, v) => (v === null ? '—' : `${fmt(v)} ${unit}`),
            },
          ],
          axes: [
            { ...axis, values: timeTicks },
            { ...axis, size: 48, values: (_u, splits) => splits.map(fmt) },
          ],
        };
      },
      data,
    );
  return h(
    'figure',
    {
      class: 'plot-figure',
      'data-testid': `plot-${title.toLowerCase().replace(/\W+/g, '-')}`,
      'data-points': points.length,
    },
    h(
      'figcaption',
      { class: 'plot-caption' },
      h('strong', {}, title),
      h('span', { class: 'muted' }, ` ${fmt(min)}–${fmt(max)} ${unit} · avg ${fmt(avg)} · ${points.length} samples`),
    ),
    host,
  );
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

/**
 * The route from stored positions, drawn as an SVG path: an equirectangular projection
 * scaled by the cosine of the mean latitude (true enough at workout scale). No map tiles.
 */
export function routeMap(samples: unknown): SVGElement | null {
  if (!Array.isArray(samples)) return null;
  const coords: [number, number][] = [];
  for (const sample of samples as { coords_lat_lng_deg?: unknown }[]) {
    const c = sample?.coords_lat_lng_deg;
    if (Array.isArray(c) && Number.isFinite(c[0]) && Number.isFinite(c[1]) && (c[0] !== 0 || c[1] !== 0))
      coords.push([Number(c[0]), Number(c[1])]);
  }
  if (coords.length < 2) return null;
  const meanLat = (coords.reduce((sum, c) => sum + c[0], 0) / coords.length) * (Math.PI / 180);
  const xs = coords.map((c) => c[1] * Math.cos(meanLat));
  const ys = coords.map((c) => -c[0]);
  const minX = xs.reduce((a, b) => Math.min(a, b), Infinity);
  const minY = ys.reduce((a, b) => Math.min(a, b), Infinity);
  const maxX = xs.reduce((a, b) => Math.max(a, b), -Infinity);
  const maxY = ys.reduce((a, b) => Math.max(a, b), -Infinity);
  const span = Math.max(maxX - minX, maxY - minY) || 1e-6;
  const size = 300;
  const pad = 12;
  const px = (i: number) => pad + ((xs[i] - minX) / span) * (size - 2 * pad);
  const py = (i: number) => pad + ((ys[i] - minY) / span) * (size - 2 * pad);
  const step = Math.max(1, Math.floor(coords.length / 2000));
  let d = '';
  for (let i = 0; i < coords.length; i += step) d += `${d ? 'L' : 'M'}${px(i).toFixed(1)} ${py(i).toFixed(1)}`;
  const last = coords.length - 1;
  return s(
    'svg',
    {
      viewBox: `0 0 ${size} ${size}`,
      class: 'route-map',
      role: 'img',
      'aria-label': `Route drawn from ${coords.length} stored positions`,
      'data-testid': 'route-map',
      'data-positions': coords.length,
    },
    s('rect', { width: size, height: size, rx: 10, class: 'route-bg' }),
    s('path', { d, class: 'route-line' }),
    s('circle', { cx: px(0), cy: py(0), r: 5, class: 'route-start' }),
    s('circle', { cx: px(last), cy: py(last), r: 5, class: 'route-end' }),
  );
}

/** Terra's SleepLevel codes, bottom (deep) to top (awake): a hypnogram's rows. */
const SLEEP_ROWS: { codes: number[]; label: string }[] = [
  { codes: [5], label: 'Deep' },
  { codes: [2, 4], label: 'Light' },
  { codes: [6], label: 'REM' },
  { codes: [1, 3], label: 'Awake' },
];

/** A hypnogram: the stage over the night as a stepped line, one step per stage period. */
export function hypnogram(samples: unknown, endIso?: string): HTMLElement | null {
  if (!Array.isArray(samples) || samples.length === 0) return null;
  const periods = (samples as { timestamp?: string; level?: number }[])
    .map((sample) => ({
      t: Date.parse(String(sample.timestamp)),
      row: SLEEP_ROWS.findIndex((r) => r.codes.includes(Number(sample.level))),
    }))
    .filter((p) => Number.isFinite(p.t) && p.row >= 0)
    .sort((a, b) => a.t - b.t);
  if (periods.length === 0) return null;
  const end = Math.max(Date.parse(endIso ?? '') || 0, periods.at(-1)!.t + 60_000);
  // The last stage lasts until the end of the night: one more point closes its step.
  const xs = [...periods.map((p) => p.t / 1000), end / 1000];
  const ys = [...periods.map((p) => p.row), periods.at(-1)!.row];
  const minutes = (row: number) =>
    Math.round(periods.reduce((sum, p, i) => sum + (p.row === row ? (xs[i + 1] - xs[i]) / 60 : 0), 0));
  const label = `Hypnogram of ${periods.length} stage periods: ${SLEEP_ROWS.map((r, i) => `${r.label} ${minutes(i)} min`).join(', ')}`;
  const host = h('div', { class: 'plot plot-info', role: 'img', 'aria-label': label });
  mount(
    host,
    (width) => {
      const colors = palette(host);
      const axis = {
        stroke: colors.text,
        font: colors.font,
        grid: { stroke: colors.grid, width: 1 },
        ticks: { show: false },
      };
      return {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: true, y: false } },
        scales: { x: { time: true }, y: { range: [-0.5, SLEEP_ROWS.length - 0.5] } },
        series: [
          {},
          {
            label: 'Stage',
            stroke: colors.stroke,
            width: 2,
            fill: `color-mix(in srgb, ${colors.stroke} 15%, transparent)`,
            paths: uPlot.paths.stepped!({ align: 1 }),
            points: { show: false },
          },
        ],
        axes: [
          { ...axis, values: timeTicks },
          {
            ...axis,
            size: 56,
            splits: () => SLEEP_ROWS.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => SLEEP_ROWS[i]?.label ?? ''),
          },
        ],
      };
    },
    [Float64Array.from(xs), Float64Array.from(ys)],
  );
  return h(
    'figure',
    { class: 'plot-figure hypnogram', 'data-testid': 'hypnogram', 'data-periods': periods.length },
    h('figcaption', { class: 'plot-caption' }, h('strong', {}, 'Hypnogram')),
    host,
  );
}
