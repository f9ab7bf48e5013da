import { z } from 'zod';
import { TributaryError } from '../../core/errors.ts';
import type { ProviderSubscription, ProviderSubscriptions } from '../provider.ts';

const DATA_TYPES = [
  'sleep',
  'workout',
  'daily_activity',
  'daily_sleep',
  'daily_readiness',
  'daily_spo2',
  'daily_stress',
];
const EVENT_TYPES = ['create', 'update', 'delete'];

const subscription = z
  .object({
    id: z.string().min(1),
    callback_url: z.string(),
    event_type: z.string(),
    data_type: z.string(),
    expiration_time: z.string().nullish(),
  })
  .passthrough();

/**
 * Oura's webhook subscription API (providers.md §2.3): app credentials in `x-client-id` /
 * `x-client-secret`; one subscription per (data_type, event_type); Oura verifies the
 * callback before answering 201; subscriptions expire (`expiration_time`) and are renewed
 * with `PUT /v2/webhook/subscription/renew/{id}`.
 */
export function ouraSubscriptions(input: {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  verificationToken: string;
}): ProviderSubscriptions {
  const url = `${input.baseUrl}/v2/webhook/subscription`;
  const headers = { 'x-client-id': input.clientId, 'x-client-secret': input.clientSecret, accept: 'application/json' };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(url + path, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new TributaryError('provider_error', `Oura subscriptions could not be reached (${String(error)})`, {
        provider: 'OURA',
      });
    }
    const text = await response.text();
    if (!response.ok)
      throw new TributaryError(
        'provider_error',
        `Oura subscription ${method} answered ${response.status}: ${text.slice(0, 200)}`,
        {
          provider: 'OURA',
          status: response.status,
        },
      );
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const parse = (value: unknown): ProviderSubscription => {
    const parsed = subscription.parse(value);
    return {
      id: parsed.id,
      dataType: parsed.data_type,
      eventType: parsed.event_type,
      callbackUrl: parsed.callback_url,
      expiresAt: parsed.expiration_time ?? null,
    };
  };
  return {
    wanted: DATA_TYPES.flatMap((dataType) => EVENT_TYPES.map((eventType) => ({ dataType, eventType }))),
    async list() {
      const value = await call('GET', '');
      return (Array.isArray(value) ? value : []).map(parse);
    },
    async create({ dataType, eventType, callbackUrl }) {
      return parse(
        await call('POST', '', {
          callback_url: callbackUrl,
          verification_token: input.verificationToken,
          event_type: eventType,
          data_type: dataType,
        }),
      );
    },
    async renew(id) {
      return parse(await call('PUT', `/renew/${encodeURIComponent(id)}`));
    },
  };
}
