import { toFhirBundle, FHIR_DATA_TYPES } from '../export/fhir/bundle.ts';
import { DATA_TYPES, MODEL_VERSION, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { StoredEvent } from '../store/store.ts';
import type { EventRenderer } from './formats.ts';

/** How long the FIT link in a `fit`-format activity event works. */
export const FIT_LINK_TTL_SECONDS = 24 * 3600;

/**
 * `fit` format: an activity event becomes a small JSON message carrying a signed, expiring
 * link to the FIT file of its activities (as Terra does), with each activity's metadata so
 * the receiver knows what it is without downloading. Other events stay Terra JSON (Terra's
 * FIT format covers activities only). Without a link service it falls back to JSON.
 */
export function fitRenderer(json: EventRenderer): EventRenderer {
  return (event, context) => {
    if (event.type !== 'activity' || !context.fitUrl) return json(event, context);
    const data = Array.isArray(event.payload.data) ? (event.payload.data as TerraRecord[]) : [];
    const payload: Record<string, unknown> = {
      type: 'activity',
      format: 'fit',
      user: event.payload.user,
      data: data.map((record) => ({ metadata: record.metadata })),
      url: context.fitUrl(event.eventId, FIT_LINK_TTL_SECONDS),
      expires_in: FIT_LINK_TTL_SECONDS,
      version: event.payload.version ?? MODEL_VERSION,
    };
    return { body: JSON.stringify(payload), payload };
  };
}

/**
 * `fhir` format: a data event becomes a FHIR R4 Bundle of the user's Patient and the
 * Observations of its records (see export/fhir). Events without a FHIR mapping (auth,
 * athlete, planned workouts, healthchecks) stay Terra JSON.
 */
export function fhirRenderer(json: EventRenderer): EventRenderer {
  return (event: StoredEvent, context) => {
    const type = event.type as DataType;
    if (!(DATA_TYPES as readonly string[]).includes(type) || !FHIR_DATA_TYPES.includes(type) || !event.userId)
      return json(event, context);
    const data = Array.isArray(event.payload.data) ? (event.payload.data as TerraRecord[]) : [];
    const payload = toFhirBundle(type, data, event.userId, { withSamples: true, now: new Date(event.createdMs) });
    return { body: JSON.stringify(payload), payload };
  };
}
