import { z } from 'zod';
import { badParameter } from '../../core/errors.ts';
import { DATA_TYPES, type DataType } from '../../model/data-types.ts';
import { apiError, dateParam, defineRoute, httpField, integerParam, json, unauthorized } from '../contract/index.ts';
import { requireParam } from '../params.ts';

/** Most links answered by one GET /v2/users/{user_id}/raw. */
export const RAW_LINKS_MAX = 1000;

const dataType = httpField({ type: 'string', enum: [...DATA_TYPES] }, (value, name) => {
  const text = requireParam(name, value);
  if (!(DATA_TYPES as readonly string[]).includes(text))
    throw badParameter(name, `${name} must be one of ${DATA_TYPES.join(', ')}`);
  return text as DataType;
});

const RawLink = z.object({
  natural_key: z.string().describe('summary_id for activity and sleep, the day (YYYY-MM-DD) for daily-like types'),
  start_time: z.string().nullable(),
  raw: z
    .object({
      raw_id: z.string(),
      provider: z.string(),
      external_id: z.string().describe("The provider's id of the payload (a log id, a file hash)"),
      content_type: z.string(),
      sha256: z.string(),
      received_at: z.string(),
      bytes: z.number().int(),
    })
    .nullable()
    .describe('The provider payload the record was normalized from, kept verbatim (null when none was kept)'),
});

export const listRawLinks = defineRoute({
  method: 'get',
  path: '/v2/users/{user_id}/raw',
  tag: 'Raw payloads',
  summary: 'Which raw provider payload each record of a range came from',
  operationId: 'Raw_Links',
  description:
    'For the records of one type whose window overlaps the range, the verbatim provider payload each was normalized from (metadata only; read the bytes with GET /v2/raw/{raw_id}).',
  params: z.object({ user_id: z.string() }),
  query: z.object({
    type: dataType,
    start_date: dateParam('start', 'YYYY-MM-DD or unix seconds'),
    end_date: dateParam('end', 'YYYY-MM-DD (the whole day) or unix seconds'),
    limit: integerParam(1, RAW_LINKS_MAX, 200),
  }),
  responses: {
    200: json(
      'The links, in start order',
      z.object({ user_id: z.string(), type: z.string(), links: z.array(RawLink) }),
    ),
    400: apiError('A parameter is invalid (`parameter` names it)'),
    401: unauthorized,
    404: apiError('No such user'),
  },
});

export const getRawPayload = defineRoute({
  method: 'get',
  path: '/v2/raw/{raw_id}',
  tag: 'Raw payloads',
  summary: 'A raw provider payload, byte for byte as received',
  operationId: 'Raw_Get',
  params: z.object({ raw_id: z.string() }),
  responses: {
    200: {
      description: 'The payload with its stored content type (served as an attachment, never rendered)',
      contentType: 'application/octet-stream',
      schema: { type: 'string', format: 'binary' },
    },
    401: unauthorized,
    404: apiError('No such payload'),
  },
});
