import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataType } from '../../src/model/data-types.ts';
import { PROVIDER_DEFINITIONS } from '../../src/providers/registry.ts';
import type { PollState } from '../../src/ingest/sync.ts';
import { eventually } from '../delivery/eventually.ts';
import { startTestApp, type TestApp } from '../helpers/harness.ts';
import { expectTerraEvent } from '../ifit/helpers.ts';

/** An account at the provider's emulator (opaque to the suite). */
export type Account = { id: string };

/**
 * What a provider brings to the contract suite: its emulator, driven through the controls
 * every emulator has (accounts with history, consent, token expiry and revocation, faults).
 * Optional controls exist where the provider has the feature; the provider's capabilities
 * (its definition's auth kind) and these decide which cases run.
 */
export interface ProviderSubject {
  /** Terra's provider name. */
  name: string;
  /** Starts the emulator; the settings that point Tributary at it. */
  start(): Promise<Record<string, string>>;
  close(): Promise<void>;
  /** The `BACKFILL_DAYS` the settings give. */
  backfillDays: number;
  /** A new account holding `days` days of history. */
  newAccount(days: number): Account;
  /** The user's side of connecting `account` (granting); the Tributary user id. */
  connect(t: TestApp, account: Account): Promise<string>;
  /** oauth2: the user refuses at the consent screen; Tributary's final redirect and the user id it allocated. */
  refuse?(t: TestApp, account: Account): Promise<{ final: Response; userId: string }>;
  /** oauth2: a callback carrying a state Tributary never issued; the answer and the pending user it leaves. */
  forgedState?(t: TestApp, account: Account): Promise<{ answer: Response; userId: string }>;
  /** password: the hosted form submitted with a wrong password. */
  wrongPassword?(t: TestApp, account: Account): Promise<Response>;
  expireAccess(account: Account): void;
  revoke(account: Account): void;
  /** Refresh-token grants the emulator answered so far, with their status. */
  refreshGrants(): { status: number }[];
  /**
   * A provider call made with the user's token (refresh and rate-limit cases); default: a
   * poll (`syncNow`). Push providers without polling use what they have (Garmin: a read of
   * an older period, which requests a backfill).
   */
  exercise?(t: TestApp, userId: string): Promise<void>;
  /** The next data request answers 429 with this Retry-After. */
  fail429(retryAfterSeconds: number): void;
  /** Items of the account that started within the last `days` days, per Terra type. */
  expected(account: Account, days: number): Partial<Record<DataType, string[]>>;
  /** Where deauth can revoke at the provider: whether the account's grant still works. */
  grantAlive?(account: Account): boolean;
  /** The next poll finds one document that does not normalize; its record key (none must appear). */
  malformed?(account: Account): { type: DataType; key: string; externalId: string };
  notifications?: {
    path: string;
    /** The status of the provider's verification call (right token) and of one with a wrong token; absent when the provider has none (WHOOP). */
    handshake?(t: TestApp): Promise<{ right: number; wrong: number }>;
    /** A new document at the provider; its type and record key. */
    add(account: Account): { type: DataType; key: string };
    /** Changes the document at the provider; the field that changed, as `check` reads it from the record. */
    update(account: Account, key: string): void;
    /** The stored record reflects the update. */
    updated(record: unknown): boolean;
    /** Sends a signed notice; the same `eventTime` gives the same bytes (a redelivery). */
    notify(
      t: TestApp,
      account: Account,
      key: string,
      eventType: string,
      eventTime: string,
      badSignature?: boolean,
    ): Promise<Response>;
  };
}

/**
 * The provider contract: every provider runs it against its emulator (issue 13 item 6).
 * Runs on the embedded store: store behaviour has its own contract suite on both engines.
 */
export function providerContract(subject: ProviderSubject): void {
  const definition = PROVIDER_DEFINITIONS.find((d) => d.capabilities.name === subject.name);
  if (!definition) throw new Error(`no provider definition ${subject.name}`);
  const capabilities = definition.capabilities;

  describe(`provider contract: ${subject.name}`, { timeout: 120_000 }, () => {
    let t: TestApp;
    beforeAll(async () => {
      const env = await subject.start();
      t = await startTestApp('sqlite', `contract-${subject.name}`, env);
    });
    afterAll(async () => {
      await t?.close();
      await subject.close();
    });

    const events = (userId: string, type: string) => t.app.store.events.list(t.devId, { userId, type, limit: 10_000 });
    const connection = (userId: string) => t.app.store.connections.get<unknown, PollState>(t.devId, userId);
    const backfilled = (userId: string) =>
      eventually(async () => (await connection(userId))?.syncState.lastSyncAt !== undefined, 60_000, 'backfill');
    const exercise = (userId: string) =>
      subject.exercise ? subject.exercise(t, userId) : t.app.context.sync!.syncNow(t.devId, userId);
    const keys = async (userId: string, type: DataType) =>
      (await t.app.store.records.listJson(t.devId, userId, type, { withSamples: false })).map((json) => {
        const metadata = (JSON.parse(json) as { metadata: Record<string, string> }).metadata;
        return metadata.summary_id ?? metadata.start_time!.slice(0, 10);
      });

    it('connect (grant): the user is connected, an auth success event is sent, and the backfill stays within the history limit', async () => {
      const account = subject.newAccount(subject.backfillDays + 10);
      const userId = await subject.connect(t, account);
      const [auth] = await events(userId, 'auth');
      expect(auth!.payload).toMatchObject({ type: 'auth', status: 'success' });
      expectTerraEvent(auth!);
      await backfilled(userId);
      const expected = subject.expected(account, subject.backfillDays);
      for (const [type, ids] of Object.entries(expected)) {
        // Pushed providers' backfills arrive after the request was accepted.
        const stored = await eventually(
          async () => {
            const found = await keys(userId, type as DataType);
            return ids.every((id) => found.includes(id)) && found;
          },
          60_000,
          `${type} backfilled`,
        ).catch(() => keys(userId, type as DataType));
        // Every item within the backfill window, and nothing older than it (the day records may overlap a day).
        for (const id of ids) expect(stored, `${type} ${id}`).toContain(id);
        const everything = subject.expected(account, subject.backfillDays + 10);
        const older = (everything[type as DataType] ?? []).filter((id) => !ids.includes(id));
        const leaked = older.filter((id) => stored.includes(id));
        expect(leaked.length, `${type} older than the backfill window`).toBeLessThanOrEqual(
          type === 'sleep' || type === 'activity' ? 0 : 2,
        );
      }
    });

    if (capabilities.auth === 'oauth2') {
      it('connect (deny): a refusal at the consent screen goes to the failure URL with an auth error event', async () => {
        const { final, userId } = await subject.refuse!(t, subject.newAccount(1));
        expect(final.status).toBe(303);
        expect(final.headers.get('location')).toMatch(/reason=/);
        const [auth] = await events(userId, 'auth');
        expect(auth!.payload).toMatchObject({ type: 'auth', status: 'error' });
        expect(await connection(userId)).toBeUndefined();
      });

      it('connect (state mismatch): a callback with a state Tributary never issued is refused and changes nothing', async () => {
        const { answer, userId } = await subject.forgedState!(t, subject.newAccount(1));
        expect(answer.status).toBe(400);
        expect((await t.app.store.users.get(t.devId, userId))?.state).toBe('pending');
        expect(await connection(userId)).toBeUndefined();
      });
    }

    if (capabilities.auth === 'password') {
      it('connect (wrong password): the form answers 401 again and nothing is connected', async () => {
        const account = subject.newAccount(1);
        const answer = await subject.wrongPassword!(t, account);
        expect(answer.status).toBe(401);
      });
    }

    it('refresh (rotation): an expired access token is refreshed once, the rotated token set is kept, the poll completes', async () => {
      const account = subject.newAccount(2);
      const userId = await subject.connect(t, account);
      await backfilled(userId);
      const before = (await t.app.store.connections.get<{ refreshToken: string }>(t.devId, userId))!.credentials!;
      const grants = subject.refreshGrants().length;
      subject.expireAccess(account);
      await exercise(userId);
      expect(
        subject
          .refreshGrants()
          .slice(grants)
          .map((g) => g.status),
      ).toEqual([200]);
      const after = await t.app.store.connections.get<{ refreshToken: string }>(t.devId, userId);
      expect(after!.status).toBe('active');
      expect(after!.credentials!.refreshToken).not.toBe(before.refreshToken);
      expect(after!.syncState.lastError).toBeUndefined();
    });

    it('refresh (revoked): a refused refresh stops the connection with connection_error', async () => {
      const account = subject.newAccount(2);
      const userId = await subject.connect(t, account);
      await backfilled(userId);
      subject.revoke(account);
      subject.expireAccess(account);
      await exercise(userId);
      expect((await connection(userId))!.status).toBe('revoked');
      const [error] = await events(userId, 'connection_error');
      expectTerraEvent(error!);
    });

    it('rate limits: a 429 honours Retry-After, pauses the provider and emits rate_limit_hit', async () => {
      const account = subject.newAccount(2);
      const userId = await subject.connect(t, account);
      await backfilled(userId);
      subject.fail429(90);
      await exercise(userId);
      expect((await connection(userId))!.nextSyncAt).toBeGreaterThan(Date.now() + 60_000);
      expect(await t.app.store.providerBudgets.blockedUntil(subject.name)).toBeGreaterThan(Date.now() + 60_000);
      const [hit] = await events(userId, 'rate_limit_hit');
      expectTerraEvent(hit!);
      await (await t.sql()).run('DELETE FROM provider_rate_blocks'); // end the pause for the next cases
    });

    it('deauth from our side: deauth event, data deleted, grant revoked at the provider where it can be', async () => {
      const account = subject.newAccount(2);
      const userId = await subject.connect(t, account);
      await backfilled(userId);
      const answer = await fetch(`${t.url}/v2/auth/deauthenticateUser?user_id=${userId}`, {
        method: 'DELETE',
        headers: t.headers,
      });
      expect(answer.status).toBe(200);
      expect(await t.app.store.users.get(t.devId, userId)).toBeUndefined();
      expect(await t.app.store.raw.list(t.devId, userId)).toEqual([]);
      const [deauth] = await events(userId, 'deauth');
      expectTerraEvent(deauth!);
      if (subject.grantAlive) expect(subject.grantAlive(account)).toBe(false);
    });

    if (subject.malformed) {
      it('malformed payloads: kept raw, nothing invented, the poll goes on', async () => {
        const account = subject.newAccount(2);
        const userId = await subject.connect(t, account);
        await backfilled(userId);
        const bad = subject.malformed!(account);
        await t.app.context.sync!.syncNow(t.devId, userId);
        expect((await connection(userId))!.syncState.lastError).toBeUndefined();
        expect(await t.app.store.records.get(t.devId, userId, bad.type, bad.key)).toBeUndefined();
        expect(await t.app.store.raw.list(t.devId, userId, { externalId: bad.externalId })).toHaveLength(1);
      });
    }

    if (subject.notifications) {
      const hooks = subject.notifications;
      const processedAll = () =>
        eventually(
          async () =>
            (await t.app.store.providerNotifications.list({ provider: subject.name, status: 'pending' })).length === 0,
          20_000,
          'notifications processed',
        );

      it('notifications: handshake answered (where the provider has one), a bad signature refused with nothing stored', async () => {
        if (hooks.handshake) {
          const { right, wrong } = await hooks.handshake(t);
          expect(right).toBe(200);
          expect(wrong).toBe(401);
        }
        const account = subject.newAccount(1);
        await subject.connect(t, account);
        const { key } = hooks.add(account);
        const before = (await t.app.store.providerNotifications.list({ provider: subject.name })).length;
        expect((await hooks.notify(t, account, key, 'create', new Date().toISOString(), true)).status).toBe(401);
        expect((await t.app.store.providerNotifications.list({ provider: subject.name })).length).toBe(before);
      });

      it('notifications: a duplicate stores nothing new; a late, out-of-order one keeps the newest', async () => {
        const account = subject.newAccount(1);
        const userId = await subject.connect(t, account);
        await backfilled(userId);
        const { type, key } = hooks.add(account);
        const createdAt = new Date(Date.now() - 60_000).toISOString();
        const first = await hooks.notify(t, account, key, 'create', createdAt);
        expect(first.status).toBe(200);
        const again = await hooks.notify(t, account, key, 'create', createdAt);
        expect(((await again.json()) as { duplicate: boolean }).duplicate).toBe(true);
        await processedAll();
        expect((await events(userId, type)).filter((e) => JSON.stringify(e.payload).includes(key))).toHaveLength(1);
        hooks.update(account, key);
        expect((await hooks.notify(t, account, key, 'update', new Date().toISOString())).status).toBe(200);
        await processedAll();
        // An older notice arrives late, after the update: the newest state stays.
        const late = await hooks.notify(t, account, key, 'create', new Date(Date.now() - 120_000).toISOString());
        expect(late.status).toBe(200);
        await processedAll();
        expect(hooks.updated(await t.app.store.records.get(t.devId, userId, type, key))).toBe(true);
      });
    }
  });
}
