import { createHash, timingSafeEqual } from 'node:crypto';
import type { MergedItem, ProviderWebhooks, WebhookNotice } from '../provider.ts';
import { mergeItemOf } from './garmin-bundles.ts';

/**
 * Garmin Health/Activity/Women's Health notifications (providers.md §3.3): a POST whose
 * JSON object holds one list per summary type. Push items carry the summary itself (plus
 * `userId`); ping items carry a `callbackURL` under Garmin's API that answers the
 * summaries (ingest fetches it — ping mode — after checking it lies under `BASE_URL`).
 * `deregistrations` and `userPermissionsChange` are the lifecycle lists. Garmin signs
 * nothing: the `garmin-client-id` header must be the application's client id (the only
 * sender identity Garmin gives; open-wearables checks the same). There is no notification
 * id: a redelivery repeats the bytes, so the body's hash is the dedupe key.
 */
export function garminWebhooks(input: { clientId: string; baseUrl: string }): ProviderWebhooks {
  const { clientId, baseUrl } = input;
  return {
    methods: ['POST'],
    keptHeaders: ['garmin-client-id'],
    callbackBase: baseUrl,
    verify(request) {
      const sent = request.headers['garmin-client-id'];
      return typeof sent === 'string' && safeEqual(sent, clientId);
    },
    dedupeKey: (request) => createHash('sha256').update(request.rawBody).digest('hex'),
    parse(body) {
      const value: unknown = JSON.parse(body.toString('utf8'));
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('notification is not an object');
      const notices: WebhookNotice[] = [];
      // One push notice per user and summary type: a day's epochs are merged and announced once.
      const pushed = new Map<string, Record<string, unknown>[]>();
      for (const [listKey, list] of Object.entries(value as Record<string, unknown>)) {
        if (!Array.isArray(list)) throw new Error(`notification list ${JSON.stringify(listKey)} is not an array`);
        for (const entry of list) {
          if (!entry || typeof entry !== 'object' || Array.isArray(entry))
            throw new Error(`an item of ${listKey} is not an object`);
          const item = entry as Record<string, unknown>;
          const userId = item.userId;
          if (typeof userId !== 'string' || !userId) throw new Error(`an item of ${listKey} has no userId`);
          if (listKey === 'deregistrations') notices.push({ kind: 'deregistration', providerUserId: userId });
          else if (listKey === 'userPermissionsChange') {
            const permissions = item.permissions;
            if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string'))
              throw new Error('a userPermissionsChange item has no permissions list');
            notices.push({ kind: 'permission_change', providerUserId: userId, permissions: permissions as string[] });
          } else if (typeof item.callbackURL === 'string')
            notices.push({ kind: 'ping', providerUserId: userId, dataType: listKey, callbackUrl: item.callbackURL });
          else {
            const key = JSON.stringify([listKey, userId]);
            const items = pushed.get(key);
            if (items) items.push(item);
            else {
              const list: Record<string, unknown>[] = [item];
              pushed.set(key, list);
              notices.push({ kind: 'push', providerUserId: userId, dataType: listKey, payload: list });
            }
          }
        }
      }
      return notices;
    },
    received(dataType, data) {
      // A push notice carries its user's items of one type; a ping's callback answers an array too.
      const summaries = Array.isArray(data) ? data : [data];
      const merges: MergedItem[] = [];
      for (const summary of summaries) {
        if (!summary || typeof summary !== 'object' || Array.isArray(summary))
          throw new Error(`a ${dataType} summary is not an object`);
        const merge = mergeItemOf(dataType, summary as Record<string, unknown>);
        if (merge) merges.push(merge);
      }
      return { items: [], deleted: [], merges };
    },
    // Garmin has no "fetch by id": data comes in push items or ping callbacks.
    fetch: () => Promise.resolve({ items: [], deleted: [] }),
  };
}

function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}
