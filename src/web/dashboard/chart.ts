import { s } from './dom.ts';

export interface Bar {
  label: string;
  value: number;
  /** Shown on hover, e.g. "42 min · 8.1 km". */
  title: string;
}

/**
 * A small inline-SVG bar chart (no library, no styles inline: colours come from CSS classes).
 * Values are drawn against the largest one; a zero draws a hairline so the day still shows.
 */
export function barChart(
  bars: readonly Bar[],
  options: { height?: number; unit: string; ariaLabel: string },
): SVGElement {
  const height = options.height ?? 140;
  const top = 16;
  const bottom = 22;
  const gap = 4;
  const width = Math.max(320, bars.length * 22);
  const slot = width / Math.max(1, bars.length);
  const max = Math.max(0, ...bars.map((b) => b.value));
  const plot = height - top - bottom;
  const svg = s('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': options.ariaLabel,
    preserveAspectRatio: 'none',
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plot * (1 - fraction);
    svg.append(s('line', { class: 'chart-grid', x1: 0, x2: width, y1: y, y2: y }));
  }
  if (max > 0) svg.append(s('text', { class: 'chart-axis', x: 2, y: top - 4 }, `${formatNumber(max)} ${options.unit}`));
  bars.forEach((bar, index) => {
    const barHeight = max > 0 ? Math.max(bar.value > 0 ? 2 : 1, (bar.value / max) * plot) : 1;
    const x = index * slot + gap / 2;
    const rect = s('rect', {
      class: bar.value > 0 ? 'chart-bar' : 'chart-bar chart-bar-zero',
      x,
      y: top + plot - barHeight,
      width: Math.max(2, slot - gap),
      height: barHeight,
      rx: 2,
    });
    rect.append(s('title', {}, `${bar.label}: ${bar.title}`));
    svg.append(rect);
    if (bars.length <= 31 && (index % Math.ceil(bars.length / 8) === 0 || index === bars.length - 1)) {
      // The first and last labels hug the edges so they are never clipped.
      const anchor = index === 0 ? 'start' : index === bars.length - 1 ? 'end' : 'middle';
      const labelX = anchor === 'start' ? x : anchor === 'end' ? x + slot - gap : x + (slot - gap) / 2;
      svg.append(s('text', { class: 'chart-axis', x: labelX, y: height - 6, 'text-anchor': anchor }, bar.label));
    }
  });
  return svg;
}

export function formatNumber(value: number): string {
  return value >= 100
    ? Math.round(value).toLocaleString()
    : value.toLocaleString(undefined, { maximumFractionDigits: 1 });
}
