import { h, s } from './dom.ts';
import { formatDateTime } from './ui.ts';

/**
 * Charts of the data explorer, bundled with the dashboard (no CDN, no inline styles):
 * sample series drawn on a canvas with per-pixel min/max decimation, so 10,000 points cost
 * the same as the chart's width; routes and hypnograms as SVG.
 */
export interface Point {
  t: number;
  v: number;
}

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

/** Per pixel column, the min and max of the points falling in it (the shape survives, the work is bounded). */
export function decimate(points: readonly Point[], columns: number): { x: number; min: number; max: number }[] {
  if (points.length === 0) return [];
  const t0 = points[0].t;
  const span = Math.max(1, points.at(-1)!.t - t0);
  const out: { x: number; min: number; max: number }[] = [];
  for (const p of points) {
    const x = Math.min(columns - 1, Math.floor(((p.t - t0) / span) * (columns - 1)));
    const last = out.at(-1);
    if (last && last.x === x) {
      last.min = Math.min(last.min, p.v);
      last.max = Math.max(last.max, p.v);
    } else out.push({ x, min: p.v, max: p.v });
  }
  return out;
}

export function lineChart(title: string, unit: string, points: readonly Point[], tone = 'accent'): HTMLElement {
  const values = points.map((p) => p.v);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const avg = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const label = `${title}: ${points.length} samples, from ${fmt(min)} to ${fmt(max)} ${unit}, average ${fmt(avg)} ${unit}`;
  const canvas = h('canvas', { class: `plot plot-${tone}`, role: 'img', 'aria-label': label, height: 160 });
  const figure = h(
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
    canvas,
    h(
      'div',
      { class: 'plot-axis muted small' },
      h('span', {}, points.length ? formatDateTime(points[0].t) : ''),
      h('span', {}, points.length ? formatDateTime(points.at(-1)!.t) : ''),
    ),
  );
  // Drawn once laid out, at the width it got (and again when the window is resized).
  const draw = () => drawLine(canvas, points, min, max);
  requestAnimationFrame(draw);
  window.addEventListener('resize', draw);
  return figure;
}

function drawLine(canvas: HTMLCanvasElement, points: readonly Point[], min: number, max: number): void {
  if (!canvas.isConnected) return;
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(120, canvas.clientWidth);
  const height = 160;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(ratio, ratio);
  const style = getComputedStyle(canvas);
  const pad = 6;
  const range = max - min || 1;
  const y = (v: number) => pad + (1 - (v - min) / range) * (height - 2 * pad);
  ctx.strokeStyle = style.getPropertyValue('--line').trim() || '#e3e8ed';
  ctx.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    ctx.beginPath();
    ctx.moveTo(0, pad + f * (height - 2 * pad));
    ctx.lineTo(width, pad + f * (height - 2 * pad));
    ctx.stroke();
  }
  ctx.strokeStyle = style.color;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  decimate(points, Math.floor(width)).forEach((column, index) => {
    if (index === 0) ctx.moveTo(column.x, y(column.min));
    else ctx.lineTo(column.x, y(column.min));
    if (column.max !== column.min) ctx.lineTo(column.x, y(column.max));
  });
  ctx.stroke();
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
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const span = Math.max(Math.max(...xs) - minX, Math.max(...ys) - minY) || 1e-6;
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

/** Terra's SleepLevel codes, top (awake) to bottom (deep). */
const SLEEP_ROWS: { codes: number[]; label: string; tone: string }[] = [
  { codes: [1, 3], label: 'Awake', tone: 'awake' },
  { codes: [6], label: 'REM', tone: 'rem' },
  { codes: [2, 4], label: 'Light', tone: 'light' },
  { codes: [5], label: 'Deep', tone: 'deep' },
];

/** A hypnogram: one bar per stage period, on the row of its stage. */
export function hypnogram(samples: unknown, endIso?: string): SVGElement | null {
  if (!Array.isArray(samples) || samples.length === 0) return null;
  const points = (samples as { timestamp?: string; level?: number }[])
    .map((sample) => ({ t: Date.parse(String(sample.timestamp)), level: Number(sample.level) }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  if (points.length === 0) return null;
  const start = points[0].t;
  const end = Math.max(Date.parse(endIso ?? '') || 0, points.at(-1)!.t + 60_000);
  const width = 600;
  const row = 26;
  const left = 56;
  const children: SVGElement[] = SLEEP_ROWS.map((r, i) =>
    s('text', { x: 0, y: i * row + 17, class: 'hypno-label' }, r.label),
  );
  points.forEach((p, i) => {
    const rowIndex = SLEEP_ROWS.findIndex((r) => r.codes.includes(p.level));
    if (rowIndex < 0) return;
    const next = points[i + 1]?.t ?? end;
    const x = left + ((p.t - start) / (end - start)) * (width - left);
    const w = Math.max(1, ((next - p.t) / (end - start)) * (width - left));
    children.push(
      s('rect', {
        x,
        y: rowIndex * row + 4,
        width: w,
        height: row - 8,
        class: `hypno hypno-${SLEEP_ROWS[rowIndex].tone}`,
      }),
    );
  });
  return s(
    'svg',
    {
      viewBox: `0 0 ${width} ${SLEEP_ROWS.length * row}`,
      class: 'hypnogram',
      role: 'img',
      'aria-label': `Hypnogram of ${points.length} stage periods`,
      'data-testid': 'hypnogram',
    },
    ...children,
  );
}
