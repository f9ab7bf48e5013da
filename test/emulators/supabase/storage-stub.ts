import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * No Supabase stack can run here (it needs Docker), so the Supabase destination is tested as
 * what it is: its PostgreSQL database (this machine's real server) plus this stub of the
 * Storage REST API behind Supabase's gateway. The stub records every request and answers the
 * way Supabase does: a wrong `apikey` gets the gateway's 401 `Invalid API key`, a missing
 * bucket Storage's 400 with `statusCode: "404"`, an existing object without `x-upsert` a
 * duplicate error. Objects are kept in memory.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface StorageStub {
  readonly url: string;
  readonly key: string;
  readonly requests: RecordedRequest[];
  /** bucket → object name → JSON text */
  readonly buckets: Map<string, Map<string, string>>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startStorageStub(key = `service-role-${randomUUID()}`): Promise<StorageStub> {
  const requests: RecordedRequest[] = [];
  const buckets = new Map<string, Map<string, string>>();
  let server: Server | null = null;
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stub');
    const path = decodeURIComponent(url.pathname);
    requests.push({
      method: req.method ?? '',
      path,
      headers: {
        apikey: header(req, 'apikey'),
        authorization: header(req, 'authorization'),
        'x-upsert': header(req, 'x-upsert'),
        'content-type': header(req, 'content-type'),
      },
      body,
    });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (header(req, 'apikey') !== key) return send(401, { message: 'Invalid API key' });
    if (header(req, 'authorization') !== `Bearer ${key}`)
      return send(400, { statusCode: '403', error: 'Unauthorized', message: 'invalid signature' });

    let match = /^\/storage\/v1\/bucket\/([^/]+)$/.exec(path);
    if (match && req.method === 'GET') {
      const id = match[1];
      if (!buckets.has(id))
        return send(400, { statusCode: '404', error: 'Bucket not found', message: 'Bucket not found' });
      return send(200, { id, name: id, public: false });
    }
    if (path === '/storage/v1/bucket' && req.method === 'POST') {
      const { id } = JSON.parse(body) as { id: string };
      if (buckets.has(id))
        return send(400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
      buckets.set(id, new Map());
      return send(200, { name: id });
    }
    match = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(path);
    if (match && (req.method === 'POST' || req.method === 'PUT')) {
      const [, id, name] = match;
      const objects = buckets.get(id);
      if (!objects) return send(400, { statusCode: '404', error: 'Bucket not found', message: 'Bucket not found' });
      if (objects.has(name) && header(req, 'x-upsert') !== 'true')
        return send(400, { statusCode: '409', error: 'Duplicate', message: 'The resource already exists' });
      objects.set(name, body);
      return send(200, { Key: `${id}/${name}`, Id: randomUUID() });
    }
    return send(404, { message: `no route ${req.method} ${path} (storage stub)` });
  };

  const up = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((req, res) => {
        handle(req, res).catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        port = (next.address() as { port: number }).port;
        resolve();
      });
    });
  const down = async () => {
    const current = server;
    server = null;
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await up();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    key,
    requests,
    buckets,
    down,
    async up() {
      if (!server) await up();
    },
    close: down,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
