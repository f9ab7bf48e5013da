/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document and JSON answers are freely shaped */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeRecords } from '../../src/ingest/store-records.ts';
import type { User } from '../../src/store/store.ts';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { startReceiver, type Receiver } from '../delivery/receiver.ts';
import { activity } from './records.ts';

/**
 * A systematic bad-input sweep: every operation documented in GET /openapi.json gets a
 * bounded set of malformed requests. None may answer 5xx, hang, or answer an error that is
 * not JSON with a `message` (hosted HTML pages may answer an HTML 4xx); a 2xx/3xx is only
 * accepted where the operation documents it. Afterwards the server still answers and the
 * seeded user and activity are unchanged.
 */

const LONG = 'x'.repeat(10 * 1024);
/** Query/path values sent raw (already URL-encoded where needed). */
const GARBAGE_VALUES = [
  'yesterday',
  '-1',
  'abc',
  '1e99',
  'maybe',
  '0',
  '99999999999999999999999999',
  '8640000000001', // unix seconds past the last representable Date
  '-8640000000001',
  '2026-02-30',
  '2026-13-01T25:61:00Z',
  '%2B275760-09-14',
  '0000-00-00',
  'Infinity',
  'NaN',
  '1.5',
  '0x10',
  'true',
  LONG,
  '%00',
  'a%00b',
  '%F0%9F%92%A9%E2%80%AE', // emoji + right-to-left override
  '%ED%A0%80', // a lone surrogate: invalid UTF-8
  '%C0%AF', // overlong encoding
  '..%2F..%2Fetc%2Fpasswd',
  '',
];
const GARBAGE_IDS = [
  'nope',
  '0',
  '-1',
  LONG,
  '%00',
  'a%00b',
  '%F0%9F%92%A9',
  '%ED%A0%80',
  '..%2F..',
  '%2F',
  '1e99',
  'null',
];

interface Body {
  label: string;
  contentType?: string;
  body?: string | Uint8Array;
}
const BODIES: Body[] = [
  { label: 'invalid JSON', contentType: 'application/json', body: '{"data": [' },
  { label: 'empty JSON', contentType: 'application/json', body: '' },
  { label: 'JSON array', contentType: 'application/json', body: '[1,2,3]' },
  { label: 'JSON null', contentType: 'application/json', body: 'null' },
  { label: 'JSON number', contentType: 'application/json', body: '42' },
  { label: 'JSON huge number', contentType: 'application/json', body: '1e400' },
  { label: 'JSON string', contentType: 'application/json', body: '"hello"' },
  { label: 'JSON empty object', contentType: 'application/json', body: '{}' },
  {
    label: 'wrong-shape data',
    contentType: 'application/json',
    body: '{"data":"not-a-list","log_ids":5,"url":7,"type":[],"reference_id":{},"providers":1,"user_ids":"x","language":9}',
  },
  {
    label: 'null fields',
    contentType: 'application/json',
    body: '{"data":[null,1,"x",[]],"log_ids":[null,{}],"url":null,"type":null,"reference_id":null,"event_types":[1],"user_ids":[null,5]}',
  },
  {
    label: 'huge numbers',
    contentType: 'application/json',
    body: '{"data":[{"metadata":{"summary_id":1e308,"start_time":-1e308,"end_time":1e999}}],"expires":1e99,"page":1e99}',
  },
  {
    label: 'long strings',
    contentType: 'application/json',
    body: JSON.stringify({
      data: [{ metadata: { summary_id: LONG, start_time: LONG, end_time: LONG } }],
      url: `http://x.example/${LONG}`,
      reference_id: LONG,
      type: LONG,
      log_ids: [LONG],
      user_ids: [LONG],
    }),
  },
  {
    label: 'odd unicode',
    contentType: 'application/json',
    body: '{"reference_id":"\\u0000\\ud800","url":"http://\\u202e.example/","data":[{"metadata":{"summary_id":"\\u0000","start_time":"\\ud800"}}]}',
  },
  { label: 'deep nesting', contentType: 'application/json', body: '['.repeat(2000) + ']'.repeat(2000) },
  { label: 'JSON as text/plain', contentType: 'text/plain', body: '{"data":[]}' },
  { label: 'XML', contentType: 'application/xml', body: '<data/>' },
  {
    label: 'form with garbage',
    contentType: 'application/x-www-form-urlencoded',
    body: 'a=%ZZ&email=&password=' + LONG,
  },
  { label: 'multipart without boundary', contentType: 'multipart/form-data', body: 'garbage' },
  {
    label: 'multipart with wrong boundary',
    contentType: 'multipart/form-data; boundary=zzz',
    body: '--yyy\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--yyy--',
  },
  { label: 'octet-stream garbage', contentType: 'application/octet-stream', body: 'not a fit file' },
  { label: 'empty octet-stream', contentType: 'application/octet-stream', body: '' },
  { label: 'no content type', body: '{"data":[]}' },
  {
    label: 'invalid UTF-8 in JSON',
    contentType: 'application/json',
    body: Buffer.from([0x7b, 0x22, 0x64, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]),
  },
  {
    label: 'JSON in UTF-16',
    contentType: 'application/json; charset=utf-16',
    body: Buffer.from('{"data":[]}', 'utf16le'),
  },
  { label: 'JSON with odd media parameters', contentType: 'application/json; charset=%00; boundary', body: '{}' },
  {
    label: 'records of the wrong shape',
    contentType: 'application/json',
    body: '{"data":[{},{"metadata":"x"},{"metadata":{"summary_id":"s","start_time":"yesterday","end_time":"never"}},{"metadata":{"summary_id":["a"],"start_time":5}}],"log_ids":[[],{}]}',
  },
  {
    label: 'records with samples of the wrong shape',
    contentType: 'application/json',
    body: '{"data":[{"metadata":{"summary_id":"s2","start_time":"2026-01-01T00:00:00Z","end_time":"2026-01-01T01:00:00Z"},"heart_rate_data":{"detailed":{"hr_samples":"x"}},"distance_data":7}]}',
  },
  {
    label: 'form with a long username',
    contentType: 'application/x-www-form-urlencoded',
    body: `username=${LONG}&password=%00&username=again`,
  },
  {
    label: 'destination of the wrong shape',
    contentType: 'application/json',
    body: '{"type":"webhook","url":"http://127.0.0.1:1/x","event_types":"activity","format":null,"delivery_mode":7,"enabled":"no","headers":[1]}',
  },
];

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; required: boolean; schema?: any }>;
  hasBody: boolean;
  responses: Set<number>;
  authenticated: boolean;
}

interface Outcome {
  request: string;
  status: number;
  problem: string;
}

// Both engines: PostgreSQL refuses NUL in text where SQLite does not, so some bugs exist on one only.
describe.each(ENGINES)('bad-input sweep over every documented operation (%s)', (engine) => {
  let t: TestApp;
  let receiver: Receiver;
  let user: User;
  let destinationId: string;
  let uploadToken: string;
  let connectSecret: string | undefined;
  let widgetSecret: string | undefined;
  let sdkUserId: string;
  let sdkSecret: string;
  let spareSdkToken: string;
  const summaryId = 'sweep-activity-1';

  beforeAll(async () => {
    receiver = await startReceiver();
    // iFit (a password provider) is configured so /connect/{secret} serves its form; its API
    // base is the local receiver, so nothing leaves the machine.
    t = await startTestApp(engine, `bad-input-sweep-${engine}`, {
      TRIBUTARY_PROVIDER_IFIT_CLIENT_ID: 'sweep',
      TRIBUTARY_PROVIDER_IFIT_CLIENT_SECRET: 'sweep',
      TRIBUTARY_PROVIDER_IFIT_BASE_URL: new URL(receiver.url).origin,
    });
    user = await t.app.store.users.create(t.devId, {
      provider: 'UPLOAD',
      referenceId: 'sweep-ref',
      state: 'connected',
    });
    await storeRecords(t.app.store, {
      user,
      type: 'activity',
      records: [activity(summaryId, '2026-03-01T08:00:00.000Z')],
    });
    const created = await fetch(`${t.url}/v2/destinations`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'webhook', url: receiver.url }),
    });
    expect(created.status).toBe(201);
    destinationId = ((await created.json()) as { id: string }).id;
    // Live links for the hosted pages, so their bodies are reached, not only their 4xx for a bad link.
    const post = async (path: string, payload: unknown) =>
      (await (
        await fetch(`${t.url}${path}`, {
          method: 'POST',
          headers: { ...t.headers, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        })
      ).json()) as Record<string, string>;
    uploadToken = new URL(
      (await post('/v2/auth/authenticateUser?resource=UPLOAD', { reference_id: 'sweep-upload' })).auth_url!,
    ).searchParams.get('token')!;
    connectSecret = /\/connect\/([^/?]+)/.exec(
      (await post('/v2/auth/authenticateUser?resource=IFIT', { reference_id: 'sweep-connect' })).auth_url ?? '',
    )?.[1];
    widgetSecret = /\/widget\/([^/?]+)/.exec(
      (await post('/v2/auth/generateWidgetSession', { reference_id: 'sweep-widget' })).url ?? '',
    )?.[1];
    // The Apple SDK flow: a single-use token (kept for POST /v2/sdk/users) and an SDK user's secret.
    const sdkUser = await fetch(`${t.url}/v2/sdk/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${(await post('/v2/auth/generateAuthToken', {})).token}` },
    });
    expect(sdkUser.status).toBe(201);
    ({ user_id: sdkUserId, sdk_secret: sdkSecret } = (await sdkUser.json()) as { user_id: string; sdk_secret: string });
    spareSdkToken = (await post('/v2/auth/generateAuthToken', {})).token!;
    expect(uploadToken && sdkSecret && spareSdkToken && connectSecret && widgetSecret).toBeTruthy();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('answers every malformed request with a JSON 4xx (or a documented 2xx), never 5xx, and keeps stored data intact', async () => {
    const userBefore = await t.app.store.users.get(t.devId, user.userId);
    const activityBefore = await t.app.store.records.get(t.devId, user.userId, 'activity', summaryId);
    expect(activityBefore).toBeDefined();

    const spec = (await (await fetch(`${t.url}/openapi.json`)).json()) as any;
    const globalSecurity = Array.isArray(spec.security) && spec.security.length > 0;
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const security = op.security ?? (globalSecurity ? spec.security : []);
        operations.push({
          method: method.toUpperCase(),
          path,
          params: (op.parameters ?? []).map((p: any) => ({
            name: p.name,
            in: p.in,
            required: Boolean(p.required),
            schema: p.schema,
          })),
          hasBody: Boolean(op.requestBody),
          responses: new Set(Object.keys(op.responses ?? {}).map(Number)),
          authenticated: Array.isArray(security) && security.length > 0,
        });
      }
    }
    expect(operations.length).toBeGreaterThan(40);
    // Destructive operations last, so the valid ids stay valid for the rest of the sweep.
    operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

    const validPath: Record<string, string> = {
      user_id: user.userId,
      id: destinationId,
      file: `${summaryId}.fit`,
      provider: 'GARMIN',
      name: 'app.js',
    };
    const validQuery: Record<string, string> = {
      user_id: user.userId,
      reference_id: 'sweep-ref',
      start_date: '2026-03-01',
      end_date: '2026-03-02',
      to_webhook: 'false',
      with_samples: 'false',
      resource: 'GARMIN',
      page: '0',
      per_page: '10',
      limit: '10',
      dev_id: t.devId,
      expires: String(Math.floor(Date.now() / 1000) + 3600),
      signature: 'deadbeef',
      token: uploadToken,
      filename: 'a.fit',
      start_time: '2026-03-01T08:00:00Z',
      sdk: 'false',
    };
    // Operations that would destroy the seeded user with a well-formed request only get
    // garbage for that parameter.
    const protectedUser = (op: Operation) =>
      op.path === '/v2/auth/deauthenticateUser' || (op.method === 'DELETE' && op.path.startsWith('/v2/users'));

    const outcomes: Outcome[] = [];
    /** Requests that wrote to the seeded user because the input was in fact acceptable. */
    const acceptedWrites: string[] = [];
    let sent = 0;
    const send = async (
      op: Operation,
      path: string,
      query: string,
      options: { auth?: 'valid' | 'none' | 'wrong'; body?: Body; headers?: Record<string, string> } = {},
    ) => {
      const auth = options.auth ?? 'valid';
      const headers: Record<string, string> = { ...options.headers };
      if (auth === 'valid') Object.assign(headers, t.headers);
      if (auth === 'wrong') Object.assign(headers, { 'dev-id': t.devId, 'x-api-key': 'wrong' });
      if (
        op.params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'authorization') &&
        !headers.authorization
      ) {
        headers.authorization = `Bearer ${op.path === '/v2/sdk/users' ? spareSdkToken : sdkSecret}`;
      }
      if (options.body?.contentType) headers['content-type'] = options.body.contentType;
      const request =
        `${op.method} ${path}${query ? `?${query}` : ''} [auth=${auth}${options.body ? `, body=${options.body.label}` : ''}]`.slice(
          0,
          300,
        );
      sent++;
      let response: Response;
      try {
        response = await fetch(`${t.url}${path}${query ? `?${query}` : ''}`, {
          method: op.method,
          headers,
          body: options.body?.body as BodyInit | undefined,
          redirect: 'manual',
          signal: AbortSignal.timeout(5_000),
        });
      } catch (error) {
        outcomes.push({ request, status: 0, problem: `no answer: ${(error as Error).message}` });
        return;
      }
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      const status = response.status;
      if (status >= 500) {
        outcomes.push({ request, status, problem: `5xx: ${text.slice(0, 200)}` });
      } else if (status >= 400) {
        if (type.includes('text/html')) {
          if (op.path.startsWith('/v2/')) outcomes.push({ request, status, problem: 'HTML error from an API route' });
          return;
        }
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          outcomes.push({ request, status, problem: `error body is not JSON (${type}): ${text.slice(0, 100)}` });
          return;
        }
        // MCP's transport answers protocol errors as JSON-RPC errors: the message is `error.message`.
        const message =
          op.path === '/mcp' && typeof body?.error?.message === 'string' ? body.error.message : body?.message;
        if (typeof message !== 'string' || message.length === 0)
          outcomes.push({ request, status, problem: `error body has no message: ${text.slice(0, 100)}` });
        else if (text.includes('    at '))
          outcomes.push({ request, status, problem: 'error body leaks a stack trace' });
      } else if (!op.responses.has(status)) {
        outcomes.push({ request, status, problem: `undocumented ${status}` });
      } else if (op.method === 'POST' && status < 300 && path.startsWith('/v2/') && query.includes(user.userId)) {
        acceptedWrites.push(request);
      }
    };

    const queryFrom = (values: Record<string, string | undefined>, extra = '') =>
      [
        ...Object.entries(values)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
        ...(extra ? [extra] : []),
      ].join('&');

    for (const op of operations) {
      const pathParams = op.params.filter((p) => p.in === 'path');
      const queryParams = op.params.filter((p) => p.in === 'query');
      // Path variants: all valid, then each path parameter as each garbage id.
      const pathVariants: string[] = [];
      const secret = op.path.startsWith('/widget') ? widgetSecret : connectSecret;
      const valid = (name: string) =>
        (name === 'secret'
          ? secret
          : op.path.startsWith('/v2/sdk/') && name === 'user_id'
            ? sdkUserId
            : validPath[name]) ?? 'nope';
      const fill = (override: Record<string, string>) =>
        op.path.replace(/\{(\w+)\}/g, (_m, name: string) => override[name] ?? encodeURIComponent(valid(name)));
      pathVariants.push(fill({}));
      for (const p of pathParams) for (const id of GARBAGE_IDS) pathVariants.push(fill({ [p.name]: id }));

      const base: Record<string, string | undefined> = {};
      // The well-formed baseline: every parameter we have a valid value for, and every required one.
      for (const p of queryParams)
        if (p.required || validQuery[p.name] !== undefined)
          base[p.name] = encodeURIComponent(validQuery[p.name] ?? 'x');
      if (protectedUser(op)) base.user_id = 'not-a-user';

      for (const path of pathVariants) {
        await send(op, path, queryFrom(base));
        if (path !== pathVariants[0]) continue; // the query/body sweep runs on the valid path only
        for (const p of queryParams) {
          if (p.required) await send(op, path, queryFrom({ ...base, [p.name]: undefined }));
          for (const value of GARBAGE_VALUES) await send(op, path, queryFrom({ ...base, [p.name]: value }));
          // Duplicated parameter, once agreeing and once disagreeing.
          await send(op, path, queryFrom(base, `${encodeURIComponent(p.name)}=${base[p.name] ?? ''}`));
          await send(op, path, queryFrom(base, `${encodeURIComponent(p.name)}=other`));
        }
        // Unknown, empty-named and undecodable query parameters.
        await send(op, path, queryFrom(base, `unknown=1&=x&%ZZ=%ZZ&page[0]=1&a[b]=c`));
        // fetch cannot send a body with GET.
        if (op.method !== 'GET') for (const body of BODIES) await send(op, path, queryFrom(base), { body });
        if (op.authenticated) {
          await send(op, path, queryFrom(base), { auth: 'none' });
          await send(op, path, queryFrom(base), { auth: 'wrong' });
          await send(op, path, queryFrom(base), { auth: 'none', headers: { 'dev-id': LONG, 'x-api-key': '\t' } });
        }
      }
    }

    const health = await fetch(`${t.url}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    const userAfter = await t.app.store.users.get(t.devId, user.userId);
    // An accepted write (an unknown field Terra's schema allows, stored verbatim) legitimately
    // stamps last_webhook_update; nothing else about the user may change.
    if (acceptedWrites.length === 0) expect(userAfter).toEqual(userBefore);
    else expect({ ...userAfter, lastWebhookUpdate: null }).toEqual({ ...userBefore, lastWebhookUpdate: null });
    expect(await t.app.store.records.get(t.devId, user.userId, 'activity', summaryId)).toEqual(activityBefore);
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(1);
    expect(sent).toBeGreaterThan(1000);
    expect(outcomes.map((o) => `${o.status} ${o.problem.slice(0, 120)} <- ${o.request.slice(0, 160)}`)).toEqual([]);
    // ~30 s alone; the budget grows with the documented operations and a loaded machine (2 cores, 8 engineers).
  }, 240_000);

  it('answers malformed MCP messages and tool arguments on /mcp with JSON-RPC errors or tool refusals, never a 5xx', async () => {
    const grant = await fetch(`${t.url}/v2/mcp/grants`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        user_id: user.userId,
        data_types: ['activity'],
        start_date: '2026-03-01',
        end_date: '2026-03-31',
      }),
    });
    expect(grant.status).toBe(201);
    const { token } = (await grant.json()) as { token: string };
    const mcpHeaders = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    };
    const problems: string[] = [];
    const post = async (auth: Record<string, string>, body: string, extra: Record<string, string> = {}) => {
      const response = await fetch(`${t.url}/mcp`, {
        method: 'POST',
        headers: { ...mcpHeaders, ...auth, ...extra },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      const text = await response.text();
      const label = `${response.status} <- ${body.slice(0, 120)}`;
      if (response.status >= 500) problems.push(`5xx: ${label}: ${text.slice(0, 100)}`);
      if (response.status === 202) return undefined;
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        problems.push(`not JSON: ${label}`);
        return undefined;
      }
      if (response.status >= 400 && typeof (json?.error?.message ?? json?.message) !== 'string')
        problems.push(`error without a message: ${label}`);
      return json;
    };
    const rpc = (method: string, params?: unknown, id: unknown = 1) =>
      JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });

    const messages = [
      '{"jsonrpc":"2.0"}',
      '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
      rpc('no/such/method'),
      rpc('tools/list', undefined, {}),
      rpc('tools/list', 'params-as-text'),
      '[]',
      `[${Array.from({ length: 200 }, (_, i) => rpc('tools/list', undefined, i)).join(',')}]`,
      rpc('tools/call'),
      rpc('tools/call', { name: 5 }),
      rpc('tools/call', { name: 'summarize_activity', arguments: 'x' }),
      rpc('tools/call', { name: 'x'.repeat(10_000), arguments: {} }),
      rpc('initialize', { protocolVersion: 'nope', capabilities: 'x', clientInfo: null }),
      `[${rpc('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } })},${rpc('initialize', {})}]`,
      '{"jsonrpc":"2.0","method":"notifications/initialized"}',
      '{"jsonrpc":"2.0","id":1,"result":{}}',
    ];
    for (const auth of [t.headers, { authorization: `Bearer ${token}` }]) {
      for (const message of messages) await post(auth, message);
      await post(auth, rpc('tools/list'), { 'mcp-protocol-version': 'not-a-version' });
      await post(auth, rpc('tools/list'), { accept: 'text/html' });
    }

    // Every argument of every tool, as every garbage value; the other arguments well-formed.
    const listed = await post(t.headers, rpc('tools/list'));
    const tools = listed.result.tools as { name: string; inputSchema: { properties?: Record<string, unknown> } }[];
    expect(tools.length).toBeGreaterThan(5);
    const wellFormed: Record<string, unknown> = {
      user_id: user.userId,
      start_date: '2026-03-01',
      end_date: '2026-03-07',
      data_type: 'activity',
      id: summaryId,
      period_a: { start_date: '2026-03-01', end_date: '2026-03-07' },
      period_b: { start_date: '2026-03-08', end_date: '2026-03-14' },
    };
    const garbage: unknown[] = [
      null,
      -1,
      1e308,
      '',
      LONG,
      'a\u0000b',
      '\ud800',
      [],
      {},
      true,
      '2026-02-30',
      '99999999999999',
      { start_date: 'x', end_date: [] },
    ];
    let toolCalls = 0;
    for (const auth of [t.headers, { authorization: `Bearer ${token}` }]) {
      for (const tool of tools) {
        const names = Object.keys(tool.inputSchema.properties ?? {});
        const valid = Object.fromEntries(names.filter((n) => n in wellFormed).map((n) => [n, wellFormed[n]]));
        for (const name of [...names, 'unknown_argument']) {
          for (const value of garbage) {
            const answer = await post(
              auth,
              rpc('tools/call', { name: tool.name, arguments: { ...valid, [name]: value } }),
            );
            toolCalls++;
            const result = answer?.result;
            // A NUL character is refused before MCP sees the body (a 400 naming the field, as on every route).
            if (!result && JSON.stringify(value)?.includes('\\u0000') && answer?.parameter) continue;
            if (!result) problems.push(`no result: ${tool.name}.${name}=${JSON.stringify(value)?.slice(0, 40)}`);
            else if (result.isError && !(result.content?.[0]?.text?.length > 0))
              problems.push(`refusal without a message: ${tool.name}.${name}`);
            else if (result.isError && result.content[0].text === 'internal error')
              problems.push(`internal error: ${tool.name}.${name}=${JSON.stringify(value)?.slice(0, 40)}`);
          }
        }
      }
    }
    expect(toolCalls).toBeGreaterThan(400);
    expect(problems).toEqual([]);
    // Every tool call was audited, the refused ones too.
    const audit = await fetch(`${t.url}/v2/mcp/audit?limit=500`, { headers: t.headers });
    expect(audit.status).toBe(200);
    const entries = ((await audit.json()) as { entries: { outcome: string }[] }).entries;
    expect(entries.length).toBe(500);
    expect(entries.some((e) => e.outcome === 'refused')).toBe(true);
    expect(entries.some((e) => e.outcome === 'error')).toBe(false);
    expect(await t.app.store.records.count(t.devId, user.userId, 'activity')).toBe(1);
  }, 240_000);

  it('names the offending parameter in the 400s the sweep once found as 500s', async () => {
    const get = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${t.url}${path}`, {
        ...init,
        headers: { ...t.headers, ...(init.headers as Record<string, string>) },
      });
      return { status: response.status, body: (await response.json()) as { message: string; parameter?: string } };
    };
    expect(await get(`/v2/activity?user_id=a%00b&start_date=2026-03-01`)).toMatchObject({
      status: 400,
      body: { parameter: 'user_id' },
    });
    expect(await get(`/v2/events?type=%00`)).toMatchObject({ status: 400, body: { parameter: 'type' } });
    expect(await get(`/v2/destinations/a%00b`)).toMatchObject({ status: 400, body: { parameter: 'id' } });
    for (const contentType of ['multipart/form-data', 'multipart/form-data; boundary=zzz']) {
      const answer = await get(`/v2/files?user_id=${user.userId}`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: '--yyy\r\n\r\nx',
      });
      expect(answer).toMatchObject({ status: 400, body: { parameter: 'file' } });
      expect(answer.body.message).toMatch(/multipart/);
    }
  });
});
