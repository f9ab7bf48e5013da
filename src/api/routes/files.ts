import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TributaryError, badParameter, notFound } from '../../core/errors.ts';
import { encodeActivitiesFit } from '../../export/fit/encode.ts';
import { formatBytes } from '../../formats/errors.ts';
import { InflateBudget } from '../../formats/index.ts';
import { importWorkoutUpload, type UploadResult } from '../../ingest/upload-files.ts';
import { importAppleExportUpload, type ExportUploadResponse } from '../../ingest/apple/export-upload.ts';
import type { TerraRecord } from '../../model/data-types.ts';
import type { User } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { findUser, requireParam } from '../params.ts';
import { ERROR_SCHEMA_NAME, describeTag, registerOperations, registerSchemas } from '../openapi/index.ts';
import { UPLOAD_PAGE_TTL_SECONDS } from '../../providers/upload/index.ts';
import { FIT_LINK_TTL_SECONDS } from '../../delivery/render-fit-fhir.ts';
import { uploadPageHeaders, uploadPageHtml } from './upload-page.ts';

export const FIT_CONTENT_TYPE = 'application/vnd.ant.fit';

/**
 * Workout files in and FIT out, under /v2:
 * - POST /files?user_id=&filename=[&start_time=] — the file as `application/octet-stream`
 *   (or `multipart/form-data`) → 201 `{type: "activity", summary_ids}`;
 * - GET /activity/{summary_id}.fit?user_id= — the stored activity as a FIT file;
 * - GET /events/{event_id}/activity.fit?dev_id=&expires=&signature= — the signed link a
 *   `format: "fit"` destination receives (no API key: the signature is the credential).
 */
export const filesRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope) => {
    await registerUploadParsers(scope, ctx);
    scope.post('/files', { bodyLimit: ctx.config.maxUploadBytes }, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const dev = developerOf(request);
      const user = await findUser(ctx.store, dev.devId, requireParam('user_id', query.user_id));
      return reply.status(201).send(uploadResponse(await receiveUpload(ctx, request, user, query)));
    });
  });

  app.get('/activity/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!file.endsWith('.fit')) throw notFound(`no route GET /v2/activity/${file}`);
    const query = request.query as Record<string, unknown>;
    const dev = developerOf(request);
    const user = await findUser(ctx.store, dev.devId, requireParam('user_id', query.user_id));
    // Fastify has already decoded the path parameter: decoding again broke ids holding '%' (500).
    const summaryId = file.slice(0, -'.fit'.length);
    const activity = await ctx.store.records.get(user.devId, user.userId, 'activity', summaryId);
    if (!activity) throw notFound(`activity ${summaryId} not found for user ${user.userId}`);
    return sendFit(reply, [activity], `${safeName(summaryId)}.fit`);
  });

  app.get('/events/:eventId/activity.fit', { config: { public: true } }, async (request, reply) => {
    const { eventId } = request.params as { eventId: string };
    const query = request.query as Record<string, unknown>;
    const devId = requireParam('dev_id', query.dev_id);
    const signature = requireParam('signature', query.signature);
    const expires = Number(requireParam('expires', query.expires));
    if (!ctx.fitLinks) throw notFound('FIT links are not enabled on this server');
    const verdict = ctx.fitLinks.check(devId, eventId, expires, signature);
    if (verdict === 'invalid') throw new TributaryError('forbidden', 'the FIT link signature is invalid');
    if (verdict === 'expired') throw new TributaryError('gone', 'the FIT link has expired');
    const event = await ctx.store.events.get(devId, eventId);
    // The link outlives nothing: a deleted (deauthenticated) user's activity is not served.
    if (event?.userId && !(await ctx.store.users.get(devId, event.userId)))
      throw new TributaryError('gone', `the user of event ${eventId} was deleted: its data is no longer served`);
    const data = event?.type === 'activity' ? (event.payload.data as TerraRecord[] | undefined) : undefined;
    if (!data || data.length === 0) throw notFound(`event ${eventId} holds no activity`);
    return sendFit(reply, data, `${safeName(eventId)}.fit`);
  });
};

/** The hosted upload page (root, no API key: its signed token names developer and user). */
export const uploadPageRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope) => {
    await registerUploadParsers(scope, ctx);
    scope.get('/upload', async (request, reply) => {
      await userOfToken(ctx, (request.query as Record<string, unknown>).token);
      const html = uploadPageHtml({ maxBytes: ctx.config.maxUploadBytes });
      return reply.type('text/html; charset=utf-8').headers(uploadPageHeaders()).send(html);
    });
    scope.post('/upload/files', { bodyLimit: ctx.config.maxUploadBytes }, async (request, reply) => {
      const user = await userOfToken(ctx, (request.query as Record<string, unknown>).token);
      const results = await receiveUpload(ctx, request, user, request.query as Record<string, unknown>);
      return reply.status(201).send(uploadResponse(results));
    });
  });
};

async function userOfToken(ctx: ApiContext, token: unknown): Promise<User> {
  if (!ctx.uploadLinks) throw notFound('the upload page is not enabled on this server');
  if (typeof token !== 'string' || token === '')
    throw badParameter('token', 'this upload link has no token: open the link the app gave you');
  const verdict = ctx.uploadLinks.check(token);
  if (verdict === 'invalid') throw new TributaryError('forbidden', 'this upload link is not valid');
  if (verdict === 'expired')
    throw new TributaryError('gone', 'this upload link has expired: ask the app for a new one');
  const user = await ctx.store.users.get(verdict.devId, verdict.userId);
  if (!user) throw new TributaryError('gone', 'the user of this upload link no longer exists');
  // As on the Apple SDK route: a user the developer deactivated receives no further data.
  if (!user.active) throw new TributaryError('forbidden', 'this user is deactivated: it receives no further data');
  return user;
}

async function registerUploadParsers(scope: FastifyInstance, ctx: ApiContext): Promise<void> {
  const limit = ctx.config.maxUploadBytes;
  // The format comes from the content, so any body that is not a form upload is the file itself
  // (curl --data-binary sends application/x-www-form-urlencoded unless told otherwise).
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_request, body, done) => done(null, body));
  await scope.register(multipart, { limits: { fileSize: limit, files: 50, fields: 10 } });
  // Say what the limit is before reading a byte of an oversized upload.
  scope.addHook('onRequest', async (request) => {
    if (request.method !== 'POST') return;
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > limit) {
      throw new TributaryError(
        'payload_too_large',
        `the upload is ${formatBytes(length)}, over the limit of ${formatBytes(limit)} (TRIBUTARY_MAX_UPLOAD_BYTES)`,
        {
          limit_bytes: limit,
        },
      );
    }
  });
}

/**
 * busboy rejects a form with no or the wrong boundary, or one cut short, with a plain Error;
 * that is the client's malformed body (400 naming `file`), not a server fault.
 */
function malformedMultipart(error: unknown): unknown {
  if (error instanceof TributaryError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return error;
  return badParameter(
    'file',
    `the multipart/form-data body is malformed: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** Iterates the form's parts, turning a parse failure into a 400 (errors of the consumer pass through). */
async function* malformedAs400<T>(parts: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = parts[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<T>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw malformedMultipart(error);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** One file of an upload: workout files (or a zip of them), or an Apple Health export. */
type FileResult =
  | { filename: string; kind: 'workouts'; result: UploadResult }
  | { filename: string; kind: 'apple_health_export'; result: ExportUploadResponse };

interface ReceivedFile {
  filename: string;
  bytes: Buffer;
  /** The form's fields sent before this file (multipart), e.g. `start_time`. */
  fields: Record<string, string>;
}

/**
 * The files of an upload, one at a time: the raw body as one file, or every file part of a
 * multipart/form-data body (its limit is for the whole request, not per file).
 */
async function* receivedFiles(
  request: FastifyRequest,
  query: Record<string, unknown>,
  limit: number,
): AsyncGenerator<ReceivedFile> {
  if (!request.isMultipart()) {
    const body = request.body;
    if (!Buffer.isBuffer(body)) {
      throw badParameter(
        'file',
        'the request has no body: send the file as the body (application/octet-stream) or as multipart/form-data',
      );
    }
    const filename = typeof query.filename === 'string' && query.filename !== '' ? query.filename : 'upload';
    yield { filename, bytes: body, fields: {} };
    return;
  }
  const fields: Record<string, string> = {};
  let received = 0;
  let files = 0;
  for await (const part of malformedAs400(request.parts())) {
    if (part.type === 'field') {
      fields[part.fieldname] = String(part.value);
      continue;
    }
    const bytes = await part.toBuffer().catch((error: unknown) => {
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new TributaryError(
          'payload_too_large',
          `${part.filename} is over the upload limit of ${formatBytes(limit)}`,
          {
            limit_bytes: limit,
          },
        );
      }
      throw malformedMultipart(error);
    });
    // The limit is for the request, not per file: 50 files of the limit each are refused too.
    received += bytes.length;
    if (received > limit) {
      throw new TributaryError(
        'payload_too_large',
        `the form's files add up to more than the upload limit of ${formatBytes(limit)} (TRIBUTARY_MAX_UPLOAD_BYTES)`,
        { limit_bytes: limit },
      );
    }
    files++;
    yield { filename: part.filename || 'upload', bytes, fields: { ...fields } };
  }
  if (files === 0) throw badParameter('file', 'the form holds no file: send the workout file in a "file" field');
}

/**
 * Reads the upload (raw body or every multipart file) and imports each file by its content:
 * an Apple Health export (export.xml, or a zip holding one anywhere) goes to the Apple
 * importer, anything else to the workout-file importer (FIT, TCX, GPX, iFit CSV, zip/gzip).
 * The same for POST /v2/files and the hosted upload page.
 */
async function receiveUpload(
  ctx: ApiContext,
  request: FastifyRequest,
  user: User,
  query: Record<string, unknown>,
): Promise<FileResult[]> {
  const queryStart = typeof query.start_time === 'string' && query.start_time !== '' ? query.start_time : undefined;
  const limit = ctx.config.maxUploadBytes;
  // One decoded-byte budget for the whole request, however many files and archives it holds.
  const budget = new InflateBudget(limit);
  const reference = headerValue(request, 'terra-reference');
  const results: FileResult[] = [];
  for await (const { filename, bytes, fields } of receivedFiles(request, query, limit)) {
    const apple = await importAppleExportUpload(ctx, user, bytes, { filename });
    if (apple) {
      results.push({ filename, kind: 'apple_health_export', result: apple });
      continue;
    }
    const result = await importWorkoutUpload(ctx.store, user, bytes, {
      maxBytes: limit,
      budget,
      reference,
      filename,
      startTime: queryStart ?? fields.start_time,
    });
    results.push({ filename, kind: 'workouts', result });
    if (result.events > 0) ctx.eventsCommitted.notify();
  }
  return results;
}

/**
 * One Apple Health export answers as it does when sent alone (`AppleHealthExportUploadResult`);
 * otherwise the workout files' answer, with any exports of the form under `apple_health_exports`.
 */
function uploadResponse(results: FileResult[]): object {
  if (results.length === 1 && results[0].kind === 'apple_health_export') return results[0].result;
  const workouts = results.flatMap((r) => (r.kind === 'workouts' ? [{ filename: r.filename, result: r.result }] : []));
  const exports = results.flatMap((r) =>
    r.kind === 'apple_health_export' ? [{ filename: r.filename, ...r.result }] : [],
  );
  return {
    type: 'activity',
    summary_ids: workouts.flatMap((r) => r.result.summaryIds),
    files: workouts.flatMap((r) =>
      r.result.parts.map((part) => ({
        filename: r.result.format === 'zip' ? `${r.filename}/${part.name}` : r.filename,
        format: part.format,
        summary_ids: part.summaryIds,
        duplicate: part.duplicate,
      })),
    ),
    rejected: workouts.flatMap((r) =>
      r.result.rejected.map((entry) => ({ filename: `${r.filename}/${entry.name}`, reason: entry.reason })),
    ),
    ...(exports.length > 0 ? { apple_health_exports: exports } : {}),
  };
}

function sendFit(reply: FastifyReply, activities: TerraRecord[], filename: string) {
  const bytes = encodeActivitiesFit(activities);
  return reply
    .type(FIT_CONTENT_TYPE)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function safeName(text: string): string {
  return text.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'activity';
}

function headerValue(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

// ---------------------------------------------------------------- OpenAPI

const FIT_LINK_TTL_HOURS = FIT_LINK_TTL_SECONDS / 3600;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});
const apiError = (description: string) => json(description, ref(ERROR_SCHEMA_NAME));
const fitFile = (description: string) => ({
  description,
  headers: { 'content-disposition': { description: '`attachment; filename="<id>.fit"`', schema: { type: 'string' } } },
  content: { [FIT_CONTENT_TYPE]: { schema: { type: 'string', contentMediaType: FIT_CONTENT_TYPE } } },
});
const rawFile = {
  type: 'string',
  contentMediaType: 'application/octet-stream',
  description:
    'The file bytes: FIT, TCX, GPX, iFit CSV, or a zip/gzip of these; or an Apple Health export (export.xml or a zip holding it). Detected from the content, not the name',
};
const multipartBody = {
  type: 'object',
  properties: {
    file: {
      type: 'array',
      items: { type: 'string', contentMediaType: 'application/octet-stream' },
      description:
        'One or more workout files or Apple Health exports (field `file`, repeated); each part’s filename is used',
    },
    start_time: {
      type: 'string',
      description:
        'iFit CSV only: when the workout started (ISO 8601, UTC when it has no offset); the query parameter wins',
    },
  },
  required: ['file'],
};
const startTimeParam = {
  name: 'start_time',
  in: 'query',
  required: false,
  description: 'iFit CSV only (it has no start time): ISO 8601, read as UTC without an offset',
  schema: { type: 'string' },
};
const uploadErrors = {
  '400': apiError(
    'Empty body, no file in the form, not a workout (settings/course file, GPX route), truncated or corrupt file, or a missing parameter',
  ),
  '413': apiError('Over TRIBUTARY_MAX_UPLOAD_BYTES (`limit_bytes` in the answer)'),
  '415': apiError('Not a workout file type'),
};
const uploadResponses = {
  '201': json(
    'Imported: workout files (`FilesUploadResult`; a file already imported answers `duplicate: true` and sends no event) or one Apple Health export (`AppleHealthExportUploadResult`)',
    { oneOf: [ref('FilesUploadResult'), ref('AppleHealthExportUploadResult')] },
  ),
  ...uploadErrors,
};
const uploadContent = {
  'application/octet-stream': { schema: rawFile },
  'multipart/form-data': { schema: multipartBody },
};

describeTag(
  'Files',
  'Tributary extension: workout files in (FIT, TCX, GPX, iFit CSV, zip/gzip; Apple Health exports) and FIT files out. Imported activities are stored and delivered like provider data.',
);
describeTag(
  'Upload page',
  'The hosted upload page of an UPLOAD user (`auth_url` of authenticateUser?resource=UPLOAD). No API key: the signed `token` in the link names the developer and the user.',
);
registerSchemas({
  FilesUploadResult: {
    type: 'object',
    description:
      'What an upload imported: every activity, per file (a zip’s entries as `<zip>/<entry>`), and the zip entries refused.',
    properties: {
      type: { type: 'string', const: 'activity' },
      summary_ids: {
        type: 'array',
        items: { type: 'string' },
        description: 'The activities’ summary_ids (also those already stored)',
      },
      files: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            filename: { type: 'string' },
            format: { type: 'string', enum: ['fit', 'tcx', 'gpx', 'ifit_csv'] },
            summary_ids: { type: 'array', items: { type: 'string' } },
            duplicate: {
              type: 'boolean',
              description: 'Every activity of this file was already stored: nothing new was written or sent',
            },
          },
          required: ['filename', 'format', 'summary_ids', 'duplicate'],
        },
      },
      rejected: {
        type: 'array',
        items: {
          type: 'object',
          properties: { filename: { type: 'string' }, reason: { type: 'string' } },
          required: ['filename', 'reason'],
        },
      },
      apple_health_exports: {
        type: 'array',
        description:
          'Present when a form held Apple Health exports beside workout files: what each imported, with its `filename`',
        items: {
          allOf: [
            ref('AppleHealthExportUploadResult'),
            { type: 'object', properties: { filename: { type: 'string' } }, required: ['filename'] },
          ],
        },
      },
    },
    required: ['type', 'summary_ids', 'files', 'rejected'],
  },
  AppleHealthExportUploadResult: {
    type: 'object',
    description:
      'What an Apple Health export (export.xml, or a zip holding it: a raw body or a multipart file) imported.',
    properties: {
      type: { type: 'string', const: 'apple_health_export' },
      user_id: { type: 'string' },
      format: { type: 'string', enum: ['zip', 'xml'] },
      bytes: { type: 'integer' },
      samples: {
        type: 'object',
        properties: { new: { type: 'integer' }, duplicate: { type: 'integer' } },
        required: ['new', 'duplicate'],
      },
      records_changed: {
        type: 'object',
        additionalProperties: { type: 'integer' },
        description: 'Records written, by data type',
      },
      days_recomputed: { type: 'integer' },
      workouts: { type: 'integer' },
      routes: {
        type: 'object',
        properties: { attached: { type: 'integer' }, missing: { type: 'integer' } },
        required: ['attached', 'missing'],
      },
      skipped: {
        type: 'object',
        properties: { other_types: { type: 'integer' }, invalid: { type: 'integer' } },
        required: ['other_types', 'invalid'],
      },
      events: { type: 'integer', description: 'Events written to the outbox' },
    },
    required: [
      'type',
      'user_id',
      'format',
      'bytes',
      'samples',
      'records_changed',
      'days_recomputed',
      'workouts',
      'routes',
      'skipped',
      'events',
    ],
  },
});
registerOperations(
  {
    method: 'post',
    path: '/v2/files',
    tag: 'Files',
    operation: {
      summary: 'Upload workout files',
      operationId: 'Files_Upload',
      description:
        'The file as the raw body (any content type other than multipart is read as the file), or `multipart/form-data` with one or more `file` parts. Each activity is stored with the raw file and delivered as an `activity` event; the same file twice is not duplicated. An Apple Health export (export.xml, or a zip holding an export.xml whose root element is `HealthData`, at its root or in any folder; for an APPLE or UPLOAD user) is imported by the Apple importer instead, as the raw body or as a multipart file: alone it answers `AppleHealthExportUploadResult`, beside workout files in one form under `apple_health_exports`.',
      parameters: [
        { name: 'user_id', in: 'query', required: true, schema: { type: 'string' } },
        {
          name: 'filename',
          in: 'query',
          required: false,
          description: 'Name recorded for a raw-body upload (default `upload`); multipart parts use their own',
          schema: { type: 'string' },
        },
        startTimeParam,
        {
          name: 'terra-reference',
          in: 'header',
          required: false,
          description: 'Carried on the events this upload causes',
          schema: { type: 'string' },
        },
      ],
      requestBody: { required: true, content: uploadContent },
      responses: {
        ...uploadResponses,
        '401': apiError('Missing or wrong `dev-id` / `x-api-key`'),
        '404': apiError('No such user'),
      },
    },
  },
  {
    method: 'get',
    path: '/v2/activity/{file}',
    tag: 'Files',
    operation: {
      summary: 'Download an activity as a FIT file',
      operationId: 'Files_ActivityFit',
      description:
        '`GET /v2/activity/{summary_id}.fit?user_id=…`: any stored activity (uploaded or from a provider), encoded with the FIT SDK (records, laps, session, activity).',
      parameters: [
        {
          name: 'file',
          in: 'path',
          required: true,
          description: 'The activity’s `summary_id` (URL-encoded) followed by `.fit`',
          schema: { type: 'string', pattern: '\\.fit$' },
        },
        { name: 'user_id', in: 'query', required: true, schema: { type: 'string' } },
      ],
      responses: {
        '200': fitFile('The FIT file'),
        '400': apiError('`user_id` is missing'),
        '401': apiError('Missing or wrong `dev-id` / `x-api-key`'),
        '404': apiError('No such user or activity, or the path does not end in `.fit`'),
      },
    },
  },
  {
    method: 'get',
    path: '/v2/events/{eventId}/activity.fit',
    tag: 'Files',
    operation: {
      summary: 'Download an activity event as a FIT file (signed link)',
      operationId: 'Files_EventFit',
      description: `The \`url\` a \`format: "fit"\` destination receives for an activity event (valid ${FIT_LINK_TTL_HOURS} hours). No API key: the signature, over developer, event and expiry, is the credential.`,
      security: [],
      parameters: [
        { name: 'eventId', in: 'path', required: true, description: 'The activity event', schema: { type: 'string' } },
        { name: 'dev_id', in: 'query', required: true, schema: { type: 'string' } },
        {
          name: 'expires',
          in: 'query',
          required: true,
          description: 'Expiry, unix seconds',
          schema: { type: 'integer' },
        },
        {
          name: 'signature',
          in: 'query',
          required: true,
          description: 'base64url HMAC-SHA256',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': fitFile('The FIT file of the event’s activities'),
        '400': apiError('`dev_id`, `expires` or `signature` is missing'),
        '403': apiError('Invalid signature'),
        '404': apiError('FIT links are not enabled, or the event holds no activity'),
        '410': apiError('The link has expired'),
      },
    },
  },
  {
    method: 'get',
    path: '/upload',
    tag: 'Upload page',
    operation: {
      summary: 'The hosted upload page',
      operationId: 'UploadPage_Get',
      description: `A self-contained page where the user drops workout files; it posts each to /upload/files with the same token. The link is valid ${UPLOAD_PAGE_TTL_SECONDS / 86_400} days.`,
      security: [],
      parameters: [
        {
          name: 'token',
          in: 'query',
          required: true,
          description: 'The signed token of the `auth_url`',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } },
        '400': apiError('No token'),
        '403': apiError('Invalid token'),
        '404': apiError('The upload page is not enabled on this server'),
        '410': apiError('The link has expired, or its user no longer exists'),
      },
    },
  },
  {
    method: 'post',
    path: '/upload/files',
    tag: 'Upload page',
    operation: {
      summary: 'Upload workout files from the hosted page',
      operationId: 'UploadPage_Upload',
      description:
        'What the page sends: `multipart/form-data` (or a raw body), imported as by POST /v2/files for the token’s user, Apple Health exports included.',
      security: [],
      parameters: [
        {
          name: 'token',
          in: 'query',
          required: true,
          description: 'The signed token of the `auth_url`',
          schema: { type: 'string' },
        },
        {
          name: 'filename',
          in: 'query',
          required: false,
          description: 'Name recorded for a raw-body upload (default `upload`)',
          schema: { type: 'string' },
        },
        startTimeParam,
      ],
      requestBody: { required: true, content: uploadContent },
      responses: {
        ...uploadResponses,
        '403': apiError('Invalid token'),
        '404': apiError('The upload page is not enabled on this server'),
        '410': apiError('The link has expired, or its user no longer exists'),
      },
    },
  },
);
