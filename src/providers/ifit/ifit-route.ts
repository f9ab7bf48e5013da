import polyline from '@mapbox/polyline';

/**
 * Routes of iFit library workouts (`geo.path.coordinates`, `[lon, lat, (elevation)]`) and
 * their alignment to a log by cumulative distance: the console drives the route video by
 * the distance covered, so the position at a moment is the route point that far along.
 */
export interface RoutePoint {
  lat: number;
  lng: number;
  /** Distance along the route from its first point, meters. */
  along: number;
}

const EARTH_RADIUS_M = 6_371_008.8;

export function haversineMeters(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Valid `[lon, lat, …]` coordinates as route points with cumulative distance; [] when none. */
export function routeFromCoordinates(
  coordinates: readonly (readonly (number | null)[])[] | null | undefined,
): RoutePoint[] {
  const route: RoutePoint[] = [];
  for (const coordinate of coordinates ?? []) {
    const [lng, lat] = coordinate;
    if (typeof lat !== 'number' || typeof lng !== 'number' || Math.abs(lat) > 90 || Math.abs(lng) > 180) continue;
    const previous = route[route.length - 1];
    route.push({ lat, lng, along: previous ? previous.along + haversineMeters(previous, { lat, lng }) : 0 });
  }
  return route;
}

/** The point `meters` along the route (linear between vertices), clamped to its ends. */
export function pointAlong(route: readonly RoutePoint[], meters: number): { lat: number; lng: number } {
  if (route.length === 0) throw new Error('empty route');
  if (meters <= 0) return route[0];
  let low = 0;
  let high = route.length - 1;
  if (meters >= route[high].along) return route[high];
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (route[mid].along <= meters) low = mid;
    else high = mid;
  }
  const a = route[low];
  const b = route[high];
  const span = b.along - a.along;
  const t = span > 0 ? (meters - a.along) / span : 0;
  return { lat: a.lat + (b.lat - a.lat) * t, lng: a.lng + (b.lng - a.lng) * t };
}

/** The route vertices covered by the first `meters`, ending exactly at that point. */
export function coveredPath(route: readonly RoutePoint[], meters: number): { lat: number; lng: number }[] {
  const path = route.filter((point) => point.along < meters).map(({ lat, lng }) => ({ lat, lng }));
  path.push(pointAlong(route, meters));
  return path;
}

/** Google's encoded polyline (precision 5), as Terra's `summary_polyline`. */
export function encodePolyline(path: readonly { lat: number; lng: number }[]): string {
  return polyline.encode(path.map((point) => [point.lat, point.lng]));
}
