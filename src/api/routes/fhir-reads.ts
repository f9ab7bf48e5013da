import type { FastifyReply } from 'fastify';
import { badParameter } from '../../core/errors.ts';
import { FHIR_CONTENT_TYPE, toFhirBundle } from '../../export/fhir/bundle.ts';
import type { DataType, TerraRecord } from '../../model/data-types.ts';
import type { User } from '../../store/store.ts';
import type { ApiContext } from '../context.ts';
import type { DateRange } from '../params.ts';

/** The `format` query parameter of data reads: Terra's JSON (default) or a FHIR R4 Bundle. */
export function readFormat(value: unknown): 'json' | 'fhir' {
  if (value === undefined || value === '' || value === 'json') return 'json';
  if (value === 'fhir') return 'fhir';
  throw badParameter('format', `format must be json or fhir (got ${JSON.stringify(value)})`);
}

/**
 * `format=fhir`: the records of the range as a FHIR R4 Bundle of Observations, answered in
 * the body (a FHIR client reads, it does not take webhooks); `with_samples=true` adds one
 * Observation per heart-rate sample.
 */
export async function sendFhir(
  ctx: ApiContext,
  reply: FastifyReply,
  user: User,
  type: DataType,
  range: DateRange | undefined,
  withSamples: boolean,
) {
  const rows = await ctx.store.records.listJson(user.devId, user.userId, type, { ...range, withSamples });
  const records = rows.map((row) => JSON.parse(row) as TerraRecord);
  return reply.type(FHIR_CONTENT_TYPE).send(JSON.stringify(toFhirBundle(type, records, user.userId, { withSamples })));
}
