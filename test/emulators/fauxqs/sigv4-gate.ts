import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

/**
 * fauxqs accepts any credentials, so bad-credential tests would prove nothing against it. This
 * HTTP gate sits in front of it and does what AWS does first: it checks the AWS Signature V4 of
 * each request against a known key pair (the same algorithm AWS documents), answers AWS's own
 * error shapes when it fails (S3: XML `InvalidAccessKeyId` / `SignatureDoesNotMatch`, 403; SQS:
 * JSON `UnrecognizedClientException` / `InvalidSignatureException`, 400), and forwards the
 * request untouched to fauxqs when it passes.
 */
export interface SigV4Gate {
  port: number;
  close(): Promise<void>;
}

export async function startSigV4Gate(targetPort: number, keys: Record<string, string>): Promise<SigV4Gate> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const failure = checkSignature(req, body, keys);
      if (failure) return reject(res, failure);
      forward(req, res, body, targetPort);
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Failure {
  service: string;
  code: 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'MissingAuthenticationToken';
  accessKeyId?: string;
}

function checkSignature(req: IncomingMessage, body: Buffer, keys: Record<string, string>): Failure | undefined {
  const authorization = req.headers.authorization ?? '';
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
      authorization,
    );
  if (!match) return { service: serviceOf(req), code: 'MissingAuthenticationToken' };
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  const secret = keys[accessKeyId];
  if (secret === undefined) return { service, code: 'InvalidAccessKeyId', accessKeyId };
  const url = new URL(req.url ?? '/', 'http://gate');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${headerValue(req, name)}\n`)
    .join('');
  const payloadHash = headerValue(req, 'x-amz-content-sha256') || sha256(body);
  const canonicalRequest = [
    req.method,
    url.pathname,
    canonicalQuery(url.search),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', headerValue(req, 'x-amz-date'), scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${secret}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  const expected = Buffer.from(createHmac('sha256', key).update(stringToSign).digest('hex'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return { service, code: 'SignatureDoesNotMatch', accessKeyId };
  return undefined;
}

function reject(res: ServerResponse, failure: Failure): void {
  if (failure.service === 's3') {
    const message =
      failure.code === 'InvalidAccessKeyId'
        ? 'The AWS Access Key Id you provided does not exist in our records.'
        : failure.code === 'SignatureDoesNotMatch'
          ? 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
          : 'Access Denied';
    const code = failure.code === 'MissingAuthenticationToken' ? 'AccessDenied' : failure.code;
    res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'GATE' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>GATE</RequestId></Error>`,
    );
    return;
  }
  const [type, queryCode, message] =
    failure.code === 'InvalidAccessKeyId'
      ? [
          'UnrecognizedClientException',
          'InvalidClientTokenId',
          'The security token included in the request is invalid.',
        ]
      : failure.code === 'SignatureDoesNotMatch'
        ? [
            'InvalidSignatureException',
            'SignatureDoesNotMatch',
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
          ]
        : [
            'MissingAuthenticationTokenException',
            'MissingAuthenticationToken',
            'Request is missing Authentication Token',
          ];
  res.writeHead(400, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': `${queryCode};Sender`,
    'x-amzn-requestid': 'GATE',
  });
  res.end(JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }));
}

function forward(req: IncomingMessage, res: ServerResponse, body: Buffer, port: number): void {
  const upstream = httpRequest(
    { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    res.writeHead(502).end();
  });
  upstream.end(body);
}

function serviceOf(req: IncomingMessage): string {
  return req.headers['x-amz-target'] || /^\/\d{12}\//.test(req.url ?? '') ? 'sqs' : 's3';
}

function headerValue(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

/** AWS's canonical query: every name and value URI-encoded (RFC 3986), sorted by name then value. */
function canonicalQuery(search: string): string {
  if (!search || search === '?') return '';
  const encode = (text: string) =>
    encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return search
    .slice(1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = decodeURIComponent((at < 0 ? pair : pair.slice(0, at)).replace(/\+/g, '%20'));
      const value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1).replace(/\+/g, '%20'));
      return [encode(name), encode(value)] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
