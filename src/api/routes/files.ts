import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TributaryError, badParameter, notFound } from '../../core/errors.ts';
import { encodeActivitiesFit } from '../../export/fit/encode.ts';
import { formatBytes } from '../../formats/errors.ts';
import { importWorkoutUpload, type UploadResult } from '../../ingest/upload-files.ts';
import { importAppleExportUpload } from '../../providers/apple/export/upload.ts';
import type { TerraRecord } from '../../model/data-types.ts';
import type { User } from '../../store/store.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { findUser, requireParam } from '../params.ts';
import { uploadPageHtml } from './upload-page.ts';

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
      // An Apple Health export (export.zip / export.xml) goes to the Apple importer (providers/apple).
      if (Buffer.isBuffer(request.body)) {
        const filename = typeof query.filename === 'string' ? query.filename : undefined;
        const apple = await importAppleExportUpload(ctx, user, request.body, { filename });
        if (apple) return reply.status(201).send(apple);
      }
      const results = await receiveUpload(ctx, request, user, query);
      return reply.status(201).send(uploadResponse(results));
    });
  });

  app.get('/activity/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    if (!file.endsWith('.fit')) throw notFound(`no route GET /v2/activity/${file}`);
    const query = request.query as Record<string, unknown>;
    const dev = developerOf(request);
    const user = await findUser(ctx.store, dev.devId, requireParam('user_id', query.user_id));
    const summaryId = decodeURIComponent(file.slice(0, -'.fit'.length));
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
      return reply.type('text/html; charset=utf-8').send(uploadPageHtml({ maxBytes: ctx.config.maxUploadBytes }));
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
  if (typeof token !== 'string' || token === '') throw badParameter('token', 'this upload link has no token: open the link the app gave you');
  const verdict = ctx.uploadLinks.check(token);
  if (verdict === 'invalid') throw new TributaryError('forbidden', 'this upload link is not valid');
  if (verdict === 'expired') throw new TributaryError('gone', 'this upload link has expired: ask the app for a new one');
  const user = await ctx.store.users.get(verdict.devId, verdict.userId);
  if (!user) throw new TributaryError('gone', 'the user of this upload link no longer exists');
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
      throw new TributaryError('payload_too_large', `the upload is ${formatBytes(length)}, over the limit of ${formatBytes(limit)} (TRIBUTARY_MAX_UPLOAD_BYTES)`, {
        limit_bytes: limit,
      });
    }
  });
}

interface FileResult {
  filename: string;
  result: UploadResult;
}

/** Reads the body (raw bytes or every multipart file) and imports each file. */
async function receiveUpload(ctx: ApiContext, request: FastifyRequest, user: User, query: Record<string, unknown>): Promise<FileResult[]> {
  const startTime = typeof query.start_time === 'string' && query.start_time !== '' ? query.start_time : undefined;
  const options = { maxBytes: ctx.config.maxUploadBytes, startTime, reference: headerValue(request, 'terra-reference') };
  const results: FileResult[] = [];
  if (request.isMultipart()) {
    const fields: Record<string, string> = {};
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      const bytes = await part.toBuffer().catch((error: unknown) => {
        if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new TributaryError('payload_too_large', `${part.filename} is over the upload limit of ${formatBytes(ctx.config.maxUploadBytes)}`, { limit_bytes: ctx.config.maxUploadBytes });
        }
        throw error;
      });
      const filename = part.filename || 'upload';
      const result = await importWorkoutUpload(ctx.store, user, bytes, { ...options, filename, startTime: options.startTime ?? fields.start_time });
      results.push({ filename, result });
      if (result.events > 0) ctx.eventsCommitted.notify();
    }
    if (results.length === 0) throw badParameter('file', 'the form holds no file: send the workout file in a "file" field');
    return results;
  }
  const body = request.body;
  if (!Buffer.isBuffer(body)) {
    throw badParameter('file', 'the request has no body: send the workout file as the body (application/octet-stream) or as multipart/form-data');
  }
  const filename = typeof query.filename === 'string' && query.filename !== '' ? query.filename : 'upload';
  const result = await importWorkoutUpload(ctx.store, user, body, { ...options, filename });
  if (result.events > 0) ctx.eventsCommitted.notify();
  return [{ filename, result }];
}

function uploadResponse(results: FileResult[]): Record<string, unknown> {
  return {
    type: 'activity',
    summary_ids: results.flatMap((r) => r.result.summaryIds),
    files: results.flatMap((r) =>
      r.result.parts.map((part) => ({
        filename: r.result.format === 'zip' ? `${r.filename}/${part.name}` : r.filename,
        format: part.format,
        summary_ids: part.summaryIds,
        duplicate: part.duplicate,
      })),
    ),
    rejected: results.flatMap((r) => r.result.rejected.map((entry) => ({ filename: `${r.filename}/${entry.name}`, reason: entry.reason }))),
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
