import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { LOCAL_FIXTURES } from '../formats/fixtures.ts';

const GPX = readFileSync(join(LOCAL_FIXTURES, 'gpx/python-garminconnect/sample_activity.gpx'));

/**
 * The hosted upload page's token is held by the end user for 7 days. A developer who
 * deactivates the user (PATCH active=false) stops that user's data, as the Apple SDK route
 * does: the link no longer imports files. Another developer's credentials do not help either.
 */
for (const engine of ENGINES) {
  describe(`upload page links (${engine})`, () => {
    let t: TestApp;
    let userId: string;
    let authUrl: string;

    beforeAll(async () => {
      t = await startTestApp(engine, `security-upload-${engine}`);
      const response = await fetch(`${t.url}/v2/auth/authenticateUser?resource=UPLOAD`, {
        method: 'POST',
        headers: { ...t.headers, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(200);
      ({ user_id: userId, auth_url: authUrl } = (await response.json()) as { user_id: string; auth_url: string });
    });
    afterAll(async () => t?.close());

    const uploadThroughLink = (url: string) =>
      fetch(url.replace('/upload?', '/upload/files?'), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(GPX),
      });

    it("another developer cannot deactivate or re-activate this developer's user", async () => {
      const other = await t.otherDeveloper();
      const response = await fetch(`${t.url}/v2/users/${userId}`, {
        method: 'PATCH',
        headers: { ...other.headers, 'content-type': 'application/json' },
        body: '{"active":false}',
      });
      expect(response.status).toBe(404);
      expect((await t.app.store.users.get(t.devId, userId))?.active).toBe(true);
    });

    it('a tampered token is refused', async () => {
      const token = new URL(authUrl).searchParams.get('token')!;
      const [body, signature] = token.split('.') as [string, string];
      const [devId, , expires] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [
        string,
        string,
        number,
      ];
      const forged = Buffer.from(JSON.stringify([devId, 'usr_someone_else', expires])).toString('base64url');
      const response = await uploadThroughLink(`${t.url}/upload?token=${forged}.${signature}`);
      expect(response.status).toBe(403);
    });

    it('a deactivated user’s link imports nothing (403) and works again once re-activated', async () => {
      const patch = (active: boolean) =>
        fetch(`${t.url}/v2/users/${userId}`, {
          method: 'PATCH',
          headers: { ...t.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ active }),
        });
      expect((await patch(false)).status).toBe(200);
      const refused = await uploadThroughLink(authUrl);
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { message: string }).message).toMatch(/deactivated/);
      expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(0);

      expect((await patch(true)).status).toBe(200);
      expect((await uploadThroughLink(authUrl)).status).toBe(201);
      expect(await t.app.store.records.count(t.devId, userId, 'activity')).toBe(1);
    });
  });
}
