import type { TestApp } from '../helpers/harness.ts';

export interface Answer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** One HTTP call against a test app; JSON in and out. `headers: null` sends no auth. */
/** JSON as tests read it: loosely typed on purpose, each test asserts the shape it needs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function call<T = Json>(
  t: TestApp,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; headers?: Record<string, string> | null; contentType?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(options.headers === null ? {} : (options.headers ?? t.headers)) };
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(t.url + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Non-JSON answers are returned as text so a test can show what came back.
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/** Asserts-free helper: the shape every error answer must have. */
export function isErrorBody(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string' &&
    !JSON.stringify(body).includes('    at ')
  );
}
