import { SaxesParser } from 'saxes';
import type { RoutePoint } from '../normalize/activity.ts';

/**
 * Reads a workout-route GPX from the export (`workout-routes/*.gpx`, creator "Apple Health
 * Export"): `trkpt` lat/lon, `ele` (m), `time` (UTC), and `extensions/speed` (m/s).
 * Points without a valid time or position are dropped.
 */
export async function parseGpx(chunks: AsyncIterable<Buffer | string>): Promise<RoutePoint[]> {
  const points: RoutePoint[] = [];
  const parser = new SaxesParser({ xmlns: false });
  let point: { lat: number; lon: number; time?: number; ele?: number; speed?: number } | null = null;
  let field: 'ele' | 'time' | 'speed' | null = null;
  let text = '';
  let failure: Error | null = null;
  parser.on('error', (error) => {
    failure ??= error;
  });
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    if (tag.name === 'trkpt') {
      const lat = Number(a.lat);
      const lon = Number(a.lon);
      point =
        Number.isFinite(lat) && Number.isFinite(lon) && a.lat !== undefined && a.lon !== undefined
          ? { lat, lon }
          : null;
    } else if (point && (tag.name === 'ele' || tag.name === 'time' || tag.name === 'speed')) {
      field = tag.name;
      text = '';
    }
  });
  parser.on('text', (t) => {
    if (field) text += t;
  });
  parser.on('closetag', (tag) => {
    if (field && tag.name === field && point) {
      const value = text.trim();
      if (field === 'time') {
        const ms = Date.parse(value);
        if (!Number.isNaN(ms)) point.time = ms;
      } else {
        const n = Number(value);
        if (value !== '' && Number.isFinite(n)) point[field] = n;
      }
      field = null;
    } else if (tag.name === 'trkpt' && point) {
      if (point.time !== undefined)
        points.push({ ms: point.time, lat: point.lat, lon: point.lon, elevation: point.ele, speed: point.speed });
      point = null;
    }
  });
  for await (const chunk of chunks) {
    parser.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (failure) break;
  }
  if (!failure) parser.close();
  // `failure` is set in the parser's callbacks, which TypeScript's narrowing does not see.
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (failure) throw failure;
  return points;
}
