/** Tributary's own events (not Terra's): sent only to destinations that list them in `event_types`. */
export const OPT_IN_EVENT_TYPES: readonly string[] = ['connection_stale'];

/** Whether a destination subscribes to events of `type` (null `event_types`: every Terra event). */
export function takesEventType(eventTypes: readonly string[] | null, type: string): boolean {
  return eventTypes === null ? !OPT_IN_EVENT_TYPES.includes(type) : eventTypes.includes(type);
}
