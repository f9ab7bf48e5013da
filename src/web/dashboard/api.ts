/**
 * The dashboard's only way to data: the /v2 API over HTTP, authenticated with the
 * developer's dev-id + API key. They live in sessionStorage (gone when the tab closes) and
 * travel as headers only, never in a URL.
 */
const STORAGE_KEY = 'tributary.dashboard.credentials';

export interface Credentials {
  devId: string;
  apiKey: string;
  /** The developer's name, shown where the dashboard says who is signed in. */
  name?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly parameter: string | undefined;
  constructor(status: number, message: string, parameter?: string) {
    super(message);
    this.status = status;
    this.parameter = parameter;
  }
}

export function loadCredentials(): Credentials | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Credentials | null;
    return parsed && typeof parsed.devId === 'string' && typeof parsed.apiKey === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

export function forgetCredentials(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Called when the API answers 401 (the key was rotated or mistyped): back to the sign-in form. */
let onUnauthorized: (message: string) => void = () => undefined;
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

export const WRONG_CREDENTIALS = 'Wrong dev-id or API key.';

/** `given` credentials are being tried (the sign-in form); stored ones are in use, and a 401 signs out. */
export async function api<T>(method: string, path: string, body?: unknown, given?: Credentials): Promise<T> {
  const credentials = given ?? loadCredentials();
  if (!credentials) throw new ApiError(401, WRONG_CREDENTIALS);
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        'dev-id': credentials.devId,
        'x-api-key': credentials.apiKey,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'Tributary could not be reached. Is the server running?');
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.status === 401) {
    if (!given) onUnauthorized(WRONG_CREDENTIALS);
    throw new ApiError(401, WRONG_CREDENTIALS);
  }
  if (!response.ok) {
    const error = (json ?? {}) as { message?: string; parameter?: string };
    throw new ApiError(response.status, error.message ?? `HTTP ${response.status}`, error.parameter);
  }
  return json as T;
}

/** Builds a query string, leaving out empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
