import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isTributaryError } from '../../core/errors.ts';
import type { DataType } from '../../model/data-types.ts';
import type { PolledItem, ProviderWebhooks, WebhookFetched, WebhookNotice, WithAccess } from '../provider.ts';
import type { WhoopClient } from './whoop-client.ts';
import { normalizeCycle, normalizeSleep, normalizeWorkout, type WhoopDocument } from './whoop-normalize.ts';
import { cycleBundle, item } from './whoop-polling.ts';

/** WHOOP's v2 notification types (providers.md §4.3); others are acknowledged and ignored. */
const TYPES = /^(workout|sleep|recovery)\.(updated|deleted)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * WHOOP webhooks (providers.md §4.3; one URL per app, set in WHOOP's developer dashboard,
 * model v2): no handshake; each POST is signed with `X-WHOOP-Signature` =
 * base64(HMAC-SHA256(client secret, `X-WHOOP-Signature-Timestamp` + raw body)), checked over
 * the exact bytes received. The body `{user_id, id, type, trace_id}` names an object; it is
 * fetched by id when the notification is processed, so a duplicate, late or out-of-order
 * notice stores WHOOP's current state (unchanged → no event), and an object WHOOP no longer
 * has (404) is deleted whatever the notice said.
 */
export function whoopWebhooks(input: { client: WhoopClient; clientSecret: string }): ProviderWebhooks {
  const { client, clientSecret } = input;
  return {
    methods: ['POST'],
    keptHeaders: ['x-whoop-signature', 'x-whoop-signature-timestamp'],
    verify(request) {
      const signature = request.headers['x-whoop-signature'] ?? '';
      const timestamp = request.headers['x-whoop-signature-timestamp'] ?? '';
      if (!timestamp || !/^[A-Za-z0-9+/]{43}=$/.test(signature)) return false;
      const expected = createHmac('sha256', clientSecret)
        .update(Buffer.concat([Buffer.from(timestamp), request.rawBody]))
        .digest();
      return timingSafeEqual(expected, Buffer.from(signature, 'base64'));
    },
    // A redelivery carries the same body (same trace_id): stored and processed once.
    dedupeKey: (request) => createHash('sha256').update(request.rawBody).digest('hex'),
    parse(body) {
      const value = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('notification is not an object');
      const { user_id: userId, id, type } = value;
      if (!(typeof userId === 'number' && Number.isSafeInteger(userId)) && !(typeof userId === 'string' && userId))
        throw new Error('notification has no user_id');
      if (typeof type !== 'string' || !type) throw new Error('notification has no type');
      if (!(typeof id === 'string' && id) && !(typeof id === 'number' && Number.isSafeInteger(id)))
        throw new Error('notification has no id');
      const match = TYPES.exec(type);
      if (!match) return []; // a type Tributary does not map: acknowledged, nothing to fetch
      const notice: WebhookNotice = {
        kind: 'data',
        providerUserId: String(userId),
        dataType: match[1],
        objectId: String(id),
        eventType: match[2] === 'deleted' ? 'delete' : 'update',
      };
      return [notice];
    },
    async fetch(notice, withAccess): Promise<WebhookFetched> {
      const id = notice.objectId;
      if (!id) return { items: [], deleted: [] };
      if (notice.dataType === 'sleep' || notice.dataType === 'workout') {
        const single = SINGLE[notice.dataType];
        const doc = await documentOrGone(client, withAccess, `${single.path}/${encodeURIComponent(id)}`);
        const externalId = `${notice.dataType}:${id}`;
        if (!doc) return { items: [], deleted: [{ type: single.type, keys: [id], externalId }] };
        const start = Date.parse(String(doc.start));
        const record = single.normalize(doc);
        return {
          items: [item(single.type, externalId, Number.isFinite(start) ? start : 0, JSON.stringify(doc), record)],
          deleted: [],
        };
      }
      if (notice.dataType === 'recovery') {
        const daily = await cycleDaily(client, withAccess, id);
        return { items: daily ? [daily] : [], deleted: [] };
      }
      return { items: [], deleted: [] };
    },
  };
}

const SINGLE = {
  sleep: { type: 'sleep' as DataType, path: '/v2/activity/sleep', normalize: normalizeSleep },
  workout: { type: 'activity' as DataType, path: '/v2/activity/workout', normalize: normalizeWorkout },
};

/**
 * A recovery notice rebuilds its cycle's Daily. WHOOP's docs say the id is the cycle's;
 * v2 integrations report the sleep's UUID: a UUID is resolved through the sleep's
 * `cycle_id`, an integer is taken as the cycle id. The cycle and its recovery are read
 * now, so a deleted recovery leaves the day without recovery values. Nothing when the
 * cycle (or the sleep naming it) is gone: the next poll reconciles that day.
 */
async function cycleDaily(client: WhoopClient, withAccess: WithAccess, id: string): Promise<PolledItem | undefined> {
  let cycleId = id;
  if (UUID.test(id)) {
    const sleep = await documentOrGone(client, withAccess, `/v2/activity/sleep/${encodeURIComponent(id)}`);
    if (sleep?.cycle_id === undefined) return undefined;
    cycleId = String(sleep.cycle_id);
  } else if (!/^\d+$/.test(id)) return undefined;
  const cycle = await documentOrGone(client, withAccess, `/v2/cycle/${cycleId}`);
  if (!cycle) return undefined;
  const recovery = await documentOrGone(client, withAccess, `/v2/cycle/${cycleId}/recovery`);
  const bundle = cycleBundle(cycle, recovery);
  const start = Date.parse(String(cycle.start));
  return item(
    'daily',
    `cycle:${cycleId}`,
    Number.isFinite(start) ? start : 0,
    JSON.stringify(bundle),
    normalizeCycle(bundle),
  );
}

/** The document, or undefined when WHOOP no longer has it (404). */
async function documentOrGone(
  client: WhoopClient,
  withAccess: WithAccess,
  path: string,
): Promise<WhoopDocument | undefined> {
  try {
    const fetched = await withAccess((tokens) => client.get(tokens.accessToken, path));
    return fetched.value && typeof fetched.value === 'object' && !Array.isArray(fetched.value)
      ? (fetched.value as WhoopDocument)
      : undefined;
  } catch (error) {
    if (isTributaryError(error) && error.details.status === 404) return undefined;
    throw error;
  }
}
