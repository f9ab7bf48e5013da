import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';

const RUN = readFileSync(join(LOCAL_FIXTURES, 'fit/python-fitparse/garmin-fenix-5-run.fit'));

/** Issue 10, item 5 (links part): signed links stop serving a user's data once the user is deleted. */
describe('links of a deleted user', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite', 'deleted-user-links');
  });
  afterAll(async () => t?.close());

  it('a FIT link and a payload link of an activity answer 410 after deauthenticateUser', async () => {
    const created = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    const { user_id: userId } = (await created.json()) as { user_id: string };
    const uploaded = await fetch(`${t.url}/v2/files?user_id=${userId}`, {
      method: 'POST',
      headers: { ...t.headers, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(RUN),
    });
    expect(uploaded.status).toBe(201);
    const [event] = await t.app.store.events.list(t.devId, { type: 'activity', limit: 10 });
    const fitLink = t.app.context.fitLinks!.url(t.devId, event!.eventId, 3600);
    const payloadLink = t.app.context.delivery!.payloadUrl(t.devId, event!.eventId, 3600);
    expect((await fetch(fitLink)).status).toBe(200);
    expect((await fetch(payloadLink)).status).toBe(200);

    const deauth = await fetch(`${t.url}/v2/auth/deauthenticateUser?user_id=${userId}`, {
      method: 'DELETE',
      headers: t.headers,
    });
    expect(deauth.status).toBe(200);
    expect((await fetch(fitLink)).status).toBe(410);
    expect((await fetch(payloadLink)).status).toBe(410);
  });
});
