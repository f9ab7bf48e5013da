import { storeRecords } from '../../src/ingest/store-records.ts';
import type { TestApp } from '../helpers/harness.ts';
import { activity } from '../api/records.ts';

const DAY_MS = 86_400_000;

/** A connected user with a handful of runs over the last two weeks (ISO starts at 07:00 UTC). */
export async function seedRunner(t: TestApp, referenceId: string, provider = 'GARMIN') {
  const user = await t.app.store.users.create(t.devId, {
    provider,
    referenceId,
    state: 'connected',
    scopes: 'ACTIVITY_EXPORT',
  });
  const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  const runs = [1, 2, 4, 5, 7, 9, 12].map((daysAgo, index) => {
    const start = new Date(today - daysAgo * DAY_MS + 7 * 3_600_000).toISOString();
    const run = activity(`run-${referenceId}-${index}`, start, 25 + index * 7);
    run.distance_data.summary.distance_meters = 4000 + index * 1300;
    return run;
  });
  await storeRecords(t.app.store, { user, type: 'activity', records: runs });
  t.app.context.eventsCommitted.notify();
  return user;
}
