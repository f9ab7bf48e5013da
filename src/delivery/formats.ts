import type { StoredEvent } from '../store/store.ts';
import type { EventFormat } from '../store/index.ts';
import { fhirRenderer, fitRenderer } from './render-fit-fhir.ts';

/**
 * The format seam: how one event becomes the body a destination receives, per the
 * destination's `format` option. JSON is Terra's shape, byte-for-byte the stored event.
 * `fit` and `fhir` are added here by the formats work (FIT: activity events carry a link to
 * the FIT file, as Terra does; FHIR: a Bundle). Until then they fall back to JSON.
 */
export interface RenderContext {
  /** A signed, expiring URL of the activity's FIT file (for `fit`). */
  fitUrl?(eventId: string, expiresInSeconds: number): string;
}

export interface RenderedEvent {
  body: string;
  payload: Record<string, unknown>;
}

export type EventRenderer = (event: StoredEvent, context: RenderContext) => RenderedEvent;

const json: EventRenderer = (event) => ({ body: JSON.stringify(event.payload), payload: event.payload });

/** Renderers by format; the formats engineer replaces the `fit` and `fhir` entries. */
export const RENDERERS: Record<EventFormat, EventRenderer> = {
  json,
  fit: fitRenderer(json),
  fhir: fhirRenderer(json),
};

export const EVENT_FORMATS: readonly EventFormat[] = ['json', 'fit', 'fhir'];

export function renderEvent(format: EventFormat, event: StoredEvent, context: RenderContext = {}): RenderedEvent {
  return RENDERERS[format](event, context);
}
