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
import { serve } from '../contract/index.ts';
import { findUser } from '../params.ts';
import {
  activityFit,
  eventFit,
  FIT_CONTENT_TYPE,
  filesUpload,
  uploadPage,
  uploadPageFiles,
  type UploadAnswer,
  type UploadQuery,
} from './files.contract.ts';
import { uploadPageHeaders, uploadPageHtml } from './upload-page.ts';

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
    serve(
      scope,
      filesUpload,
      async ({ query }, request, reply) => {
        const user = await findUser(ctx.store, developerOf(request).devId, query.user_id);
        return reply.status(201).send(uploadResponse(await receiveUpload(ctx, request, user, query)));
      },
      { bodyLimit: ctx.config.maxUploadBytes },
    );
  });

  serve(app, activityFit, async ({ params: { file }, query }, request, reply) => {
    if (!file.endsWith('.fit')) throw notFound(`no route GET /v2/activity/${file}`);
    const user = await findUser(ctx.store, developerOf(request).devId, query.user_id);
    // Fastify has already decoded the path parameter: decoding again broke ids holding '%' (500).
    const summaryId = file.slice(0, -'.fit'.length);
    const activity = await ctx.store.records.get(user.devId, user.userId, 'activity', summaryId);
    if (!activity) throw notFound(`activity ${summaryId} not found for user ${user.userId}`);
    return sendFit(reply, [activity], `${safeName(summaryId)}.fit`);
  });

  serve(
    app,
    eventFit,
    async ({ params: { eventId }, query: { dev_id: devId, signature, expires } }, _request, reply) => {
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
    },
  );
};

/** The hosted upload page (root, no API key: its signed token names developer and user). */
export const uploadPageRoutes: RouteModule = async (app, ctx) => {
  await app.register(async (scope) => {
    await registerUploadParsers(scope, ctx);
    serve(scope, uploadPage, async ({ query }, _request, reply) => {
      await userOfToken(ctx, query.token);
      const html = uploadPageHtml({ maxBytes: ctx.config.maxUploadBytes });
      return reply.type('text/html; charset=utf-8').headers(uploadPageHeaders()).send(html);
    });
    serve(
      scope,
      uploadPageFiles,
      async ({ query }, request, reply) => {
        const user = await userOfToken(ctx, query.token);
        return reply.status(201).send(uploadResponse(await receiveUpload(ctx, request, user, query)));
      },
      { bodyLimit: ctx.config.maxUploadBytes },
    );
  });
};

async function userOfToken(ctx: ApiContext, token: string): Promise<User> {
  if (!ctx.uploadLinks) throw notFound('the upload page is not enabled on this server');
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
  query: UploadQuery,
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
    yield { filename: query.filename ?? 'upload', bytes: body, fields: {} };
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
  query: UploadQuery,
): Promise<FileResult[]> {
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
      startTime: query.start_time ?? fields.start_time,
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
function uploadResponse(results: FileResult[]): UploadAnswer {
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
