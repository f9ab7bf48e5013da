import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { FIT_LINK_TTL_SECONDS } from '../../delivery/render-fit-fhir.ts';
import { UPLOAD_PAGE_TTL_SECONDS } from '../../providers/upload/index.ts';
import {
  apiError,
  component,
  defineRoute,
  httpField,
  json,
  requiredText,
  unauthorized,
  type ResponseSpec,
  type RouteSpec,
} from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';
import { requireParam } from '../params.ts';

/**
 * The HTTP contract of workout files in and FIT files out (`/v2/files`, `/v2/activity/{file}`,
 * the signed event link) and of the hosted upload page: each route's parameters and answers,
 * declared once. files.ts serves them. The upload bodies (raw file or multipart form) are read
 * by the handlers as a stream, so they are documented here (`rawBody`), not parsed as JSON.
 */

export const FIT_CONTENT_TYPE = 'application/vnd.ant.fit';

describeTag(
  'Files',
  'Tributary extension: workout files in (FIT, TCX, GPX, iFit CSV, zip/gzip; Apple Health exports) and FIT files out. Imported activities are stored and delivered like provider data.',
);
describeTag(
  'Upload page',
  'The hosted upload page of an UPLOAD user (`auth_url` of authenticateUser?resource=UPLOAD). No API key: the signed `token` in the link names the developer and the user.',
);

const count = z.number().int();

export const AppleHealthExportUploadResult = component(
  'AppleHealthExportUploadResult',
  z
    .object({
      type: z.literal('apple_health_export'),
      user_id: z.string(),
      format: z.enum(['zip', 'xml']),
      bytes: count,
      samples: z.object({ new: count, duplicate: count }),
      records_changed: z.record(count).describe('Records written, by data type'),
      days_recomputed: count,
      workouts: count,
      routes: z.object({ attached: count, missing: count }),
      skipped: z.object({ other_types: count, invalid: count }),
      events: count.describe('Events written to the outbox'),
    })
    .describe(
      'What an Apple Health export (export.xml, or a zip holding it: a raw body or a multipart file) imported.',
    ),
);

export const FilesUploadResult = component(
  'FilesUploadResult',
  z
    .object({
      type: z.literal('activity'),
      summary_ids: z.array(z.string()).describe('The activities’ summary_ids (also those already stored)'),
      files: z.array(
        z.object({
          filename: z.string(),
          format: z.enum(['fit', 'tcx', 'gpx', 'ifit_csv']),
          summary_ids: z.array(z.string()),
          duplicate: z
            .boolean()
            .describe('Every activity of this file was already stored: nothing new was written or sent'),
        }),
      ),
      rejected: z.array(z.object({ filename: z.string(), reason: z.string() })),
      apple_health_exports: z
        .array(z.intersection(AppleHealthExportUploadResult, z.object({ filename: z.string() })))
        .optional()
        .describe(
          'Present when a form held Apple Health exports beside workout files: what each imported, with its `filename`',
        ),
    })
    .describe(
      'What an upload imported: every activity, per file (a zip’s entries as `<zip>/<entry>`), and the zip entries refused.',
    ),
);

/** What an upload answers: workout files, or one Apple Health export sent alone. */
const UploadAnswerSchema = z.discriminatedUnion('type', [FilesUploadResult, AppleHealthExportUploadResult]);
export type UploadAnswer = z.input<typeof UploadAnswerSchema>;

/** Optional text that is used only when given once and not empty (a repeated or empty value is not an error). */
const lenientText = (description: string) =>
  httpField(
    { type: 'string', description },
    (value) => (typeof value === 'string' && value !== '' ? value : undefined),
    { optional: true },
  );

const startTime = lenientText('iFit CSV only (it has no start time): ISO 8601, read as UTC without an offset');

/** The signed token of an upload link; without one the page says how to get it. */
const token = httpField({ type: 'string', description: 'The signed token of the `auth_url`' }, (value) => {
  if (typeof value !== 'string' || value === '')
    throw badParameter('token', 'this upload link has no token: open the link the app gave you');
  return value;
});

/** The query both upload routes read (`filename` for a raw body, `start_time` for an iFit CSV). */
export interface UploadQuery {
  filename?: string;
  start_time?: string;
}

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
const uploadBody: RouteSpec['rawBody'] = {
  required: true,
  content: { 'application/octet-stream': { schema: rawFile }, 'multipart/form-data': { schema: multipartBody } },
};
const uploadResponses = {
  201: json(
    'Imported: workout files (`FilesUploadResult`; a file already imported answers `duplicate: true` and sends no event) or one Apple Health export (`AppleHealthExportUploadResult`)',
    UploadAnswerSchema,
  ),
  400: apiError(
    'Empty body, no file in the form, not a workout (settings/course file, GPX route), truncated or corrupt file, or a missing parameter',
  ),
  413: apiError('Over TRIBUTARY_MAX_UPLOAD_BYTES (`limit_bytes` in the answer)'),
  415: apiError('Not a workout file type'),
};
const fitFile = (description: string): ResponseSpec => ({
  description,
  contentType: FIT_CONTENT_TYPE,
  headers: { 'content-disposition': { description: '`attachment; filename="<id>.fit"`', schema: { type: 'string' } } },
  schema: { type: 'string', contentMediaType: FIT_CONTENT_TYPE },
});
const badToken = {
  403: apiError('Invalid token'),
  404: apiError('The upload page is not enabled on this server'),
  410: apiError('The link has expired, or its user no longer exists'),
};

export const filesUpload = defineRoute({
  method: 'post',
  path: '/v2/files',
  tag: 'Files',
  summary: 'Upload workout files',
  operationId: 'Files_Upload',
  description:
    'The file as the raw body (any content type other than multipart is read as the file), or `multipart/form-data` with one or more `file` parts. Each activity is stored with the raw file and delivered as an `activity` event; the same file twice is not duplicated. An Apple Health export (export.xml, or a zip holding an export.xml whose root element is `HealthData`, at its root or in any folder; for an APPLE or UPLOAD user) is imported by the Apple importer instead, as the raw body or as a multipart file: alone it answers `AppleHealthExportUploadResult`, beside workout files in one form under `apple_health_exports`.',
  query: z.object({
    user_id: requiredText(),
    filename: lenientText('Name recorded for a raw-body upload (default `upload`); multipart parts use their own'),
    start_time: startTime,
  }),
  headers: [
    {
      name: 'terra-reference',
      required: false,
      description: 'Carried on the events this upload causes',
      schema: { type: 'string' },
    },
  ],
  rawBody: uploadBody,
  responses: { ...uploadResponses, 401: unauthorized, 404: apiError('No such user') },
});

export const activityFit = defineRoute({
  method: 'get',
  path: '/v2/activity/{file}',
  tag: 'Files',
  summary: 'Download an activity as a FIT file',
  operationId: 'Files_ActivityFit',
  description:
    '`GET /v2/activity/{summary_id}.fit?user_id=…`: any stored activity (uploaded or from a provider), encoded with the FIT SDK (records, laps, session, activity).',
  // A path without `.fit` is no route (404, checked by the handler), not a bad parameter.
  params: z.object({
    file: httpField(
      {
        type: 'string',
        pattern: '\\.fit$',
        description: 'The activity’s `summary_id` (URL-encoded) followed by `.fit`',
      },
      (value) => String(value),
    ),
  }),
  query: z.object({ user_id: requiredText() }),
  responses: {
    200: fitFile('The FIT file'),
    400: apiError('`user_id` is missing'),
    401: unauthorized,
    404: apiError('No such user or activity, or the path does not end in `.fit`'),
  },
});

export const eventFit = defineRoute({
  method: 'get',
  path: '/v2/events/{eventId}/activity.fit',
  tag: 'Files',
  summary: 'Download an activity event as a FIT file (signed link)',
  operationId: 'Files_EventFit',
  description: `The \`url\` a \`format: "fit"\` destination receives for an activity event (valid ${FIT_LINK_TTL_SECONDS / 3600} hours). No API key: the signature, over developer, event and expiry, is the credential.`,
  public: true,
  params: z.object({ eventId: z.string().describe('The activity event') }),
  query: z.object({
    dev_id: requiredText(),
    signature: requiredText('base64url HMAC-SHA256'),
    // Not a number: the signature check refuses it (403), as it refuses any wrong expiry.
    expires: httpField({ type: 'integer', description: 'Expiry, unix seconds' }, (value, name) =>
      Number(requireParam(name, value)),
    ),
  }),
  responses: {
    200: fitFile('The FIT file of the event’s activities'),
    400: apiError('`dev_id`, `expires` or `signature` is missing'),
    403: apiError('Invalid signature'),
    404: apiError('FIT links are not enabled, or the event holds no activity'),
    410: apiError('The link has expired'),
  },
});

export const uploadPage = defineRoute({
  method: 'get',
  path: '/upload',
  tag: 'Upload page',
  summary: 'The hosted upload page',
  operationId: 'UploadPage_Get',
  description: `A self-contained page where the user drops workout files; it posts each to /upload/files with the same token. The link is valid ${UPLOAD_PAGE_TTL_SECONDS / 86_400} days.`,
  public: true,
  query: z.object({ token }),
  responses: {
    200: { description: 'The page', contentType: 'text/html', schema: { type: 'string' } },
    400: apiError('No token'),
    ...badToken,
  },
});

export const uploadPageFiles = defineRoute({
  method: 'post',
  path: '/upload/files',
  tag: 'Upload page',
  summary: 'Upload workout files from the hosted page',
  operationId: 'UploadPage_Upload',
  description:
    'What the page sends: `multipart/form-data` (or a raw body), imported as by POST /v2/files for the token’s user, Apple Health exports included.',
  public: true,
  query: z.object({
    token,
    filename: lenientText('Name recorded for a raw-body upload (default `upload`)'),
    start_time: startTime,
  }),
  rawBody: uploadBody,
  responses: { ...uploadResponses, ...badToken },
});
