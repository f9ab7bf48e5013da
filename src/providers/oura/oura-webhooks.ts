import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isTributaryError } from '../../core/errors.ts';
import type { DataType } from '../../model/data-types.ts';
import type { Polling, ProviderWebhooks, WebhookFetched, WebhookNotice, WithAccess } from '../provider.ts';
import type { OuraClient } from './oura-client.ts';
import { normalizeSleep, normalizeWorkout, type OuraDocument } from './oura-normalize.ts';

const DAY_MS = 86_400_000;
const DAILY_TYPES = new Set(['daily_activity', 'daily_sleep', 'daily_readiness', 'daily_spo2', 'daily_stress']);
const EVENT_TYPES = new Set(['create', 'update', 'delete']);

/**
 * Oura webhooks (providers.md §2.3): the subscription's verification GET
 * (`verification_token` + `challenge` → `{"challenge"}`), deliveries signed with
 * `x-oura-signature` = HEX(HMAC-SHA256(client secret, x-oura-timestamp + raw body)),
 * compared case-insensitively over the exact bytes received. A notice names
 * `data_type` and `object_id`; processing fetches that document now, so a late or
 * duplicate notice stores the current document (unchanged → no event).
 */
export function ouraWebhooks(input: {
  client: OuraClient;
  clientSecret: string;
  verificationToken: string;
  polling: Polling;
}): ProviderWebhooks {
  const { client, clientSecret, verificationToken, polling } = input;
  return {
    methods: ['GET', 'POST'],
    keptHeaders: ['x-oura-timestamp', 'x-oura-signature'],
    handshake(request) {
      if (request.method !== 'GET') return undefined;
      const { verification_token: token, challenge } = request.query;
      if (!challenge || !token || !safeEqual(token, verificationToken))
        return { status: 401, body: { status: 'error', message: 'verification_token mismatch' } };
      return { status: 200, body: { challenge } };
    },
    verify(request) {
      const signature = request.headers['x-oura-signature'] ?? '';
      const timestamp = request.headers['x-oura-timestamp'] ?? '';
      if (!/^[0-9a-fA-F]{64}$/.test(signature) || !timestamp) return false;
      const expected = createHmac('sha256', clientSecret)
        .update(Buffer.concat([Buffer.from(timestamp), request.rawBody]))
        .digest('hex');
      return timingSafeEqual(Buffer.from(expected), Buffer.from(signature.toLowerCase()));
    },
    dedupeKey: (request) => createHash('sha256').update(request.rawBody).digest('hex'),
    parse(body) {
      const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('notification is not an object');
      const { event_type: eventType, data_type: dataType, object_id: objectId, user_id: userId } = value;
      if (typeof userId !== 'string' || !userId) throw new Error('notification has no user_id');
      if (typeof dataType !== 'string' || !dataType) throw new Error('notification has no data_type');
      if (typeof eventType !== 'string' || !EVENT_TYPES.has(eventType))
        throw new Error(`notification event_type ${JSON.stringify(eventType)} is not create, update or delete`);
      const notice: WebhookNotice = {
        kind: 'data',
        providerUserId: userId,
        dataType,
        objectId: typeof objectId === 'string' && objectId ? objectId : null,
        eventType: eventType as 'create' | 'update' | 'delete',
      };
      return [notice];
    },
    async fetch(notice, withAccess): Promise<WebhookFetched> {
      const empty: WebhookFetched = { items: [], deleted: [] };
      if (!notice.objectId) return empty;
      const single = SINGLE[notice.dataType];
      if (single) {
        const doc = await documentOrGone(client, withAccess, notice.dataType, notice.objectId);
        if (!doc)
          return {
            items: [],
            deleted: [
              { type: single.type, keys: [notice.objectId], externalId: `${notice.dataType}:${notice.objectId}` },
            ],
          };
        const start = Date.parse(String(doc[single.startField]));
        const record = single.normalize(doc);
        return {
          items: [
            {
              type: single.type,
              startMs: Number.isFinite(start) ? start : 0,
              raw: {
                externalId: `${notice.dataType}:${notice.objectId}`,
                contentType: 'application/json',
                body: JSON.stringify(doc),
              },
              records: record ? [record] : [],
            },
          ],
          deleted: [],
        };
      }
      if (DAILY_TYPES.has(notice.dataType)) {
        // A daily document is one part of a Terra Daily: rebuild that whole day.
        const doc = await documentOrGone(client, withAccess, notice.dataType, notice.objectId);
        const day = typeof doc?.day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(doc.day) ? doc.day : undefined;
        if (!day) return empty;
        const start = Date.parse(`${day}T00:00:00Z`);
        const items = [];
        for await (const item of polling.fetch(withAccess, { sinceMs: start - 1, untilMs: start + DAY_MS }))
          if (item.type === 'daily' && item.raw.externalId === `daily:${day}`) items.push(item);
        return { items, deleted: [] };
      }
      return empty; // a data type Tributary does not map (tags, sessions…)
    },
  };
}

const SINGLE: Record<
  string,
  { type: DataType; startField: string; normalize: (doc: OuraDocument) => ReturnType<typeof normalizeSleep> }
> = {
  sleep: { type: 'sleep', startField: 'bedtime_start', normalize: normalizeSleep },
  workout: { type: 'activity', startField: 'start_datetime', normalize: normalizeWorkout },
};

/** The document, or undefined when Oura no longer has it (404: deleted). */
async function documentOrGone(
  client: OuraClient,
  withAccess: WithAccess,
  dataType: string,
  id: string,
): Promise<OuraDocument | undefined> {
  try {
    const fetched = await withAccess((tokens) =>
      client.get(tokens.accessToken, `/v2/usercollection/${dataType}/${encodeURIComponent(id)}`),
    );
    return fetched.value && typeof fetched.value === 'object' ? (fetched.value as OuraDocument) : undefined;
  } catch (error) {
    if (isTributaryError(error) && error.details.status === 404) return undefined;
    throw error;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
