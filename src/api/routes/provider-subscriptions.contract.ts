import { z } from 'zod';
import { component, defineRoute, json, unauthorized } from '../contract/index.ts';

/**
 * The HTTP contract of provider webhook subscriptions (issue 13 item 3): the state of the
 * subscriptions Tributary manages at each configured provider, as the provider reports it.
 */
export const ProviderSubscriptionView = component(
  'ProviderSubscription',
  z.object({
    id: z.string().describe("The provider's subscription id"),
    data_type: z.string().describe("The provider's data type, e.g. Oura's `sleep`"),
    event_type: z.string().describe('`create`, `update` or `delete`'),
    callback_url: z.string(),
    expires_at: z.string().nullable().describe('ISO 8601; null when it does not expire'),
    ours: z.boolean().describe('Its callback is this server’s webhook URL'),
  }),
);

export const ProviderSubscriptionsView = component(
  'ProviderSubscriptions',
  z.object({
    provider: z.string().describe("Terra's provider name"),
    callback_url: z.string().describe('Where this server receives the provider’s notifications'),
    wanted: z.number().int().describe('Subscriptions Tributary keeps (data type × event type)'),
    subscriptions: z.array(ProviderSubscriptionView),
    error: z.string().optional().describe('Why the provider could not be asked (its list is then empty)'),
  }),
);

export const listProviderSubscriptions = defineRoute({
  method: 'get',
  path: '/v2/providers/subscriptions',
  tag: 'Providers',
  summary: 'Webhook subscriptions at the providers',
  operationId: 'Providers_Subscriptions',
  description:
    'For each configured provider whose webhook subscriptions Tributary manages (created when configured, renewed before they expire by the worker), the subscriptions as the provider reports them now. `tributary subscriptions` shows the same.',
  responses: {
    200: json('The providers and their subscriptions', z.object({ providers: z.array(ProviderSubscriptionsView) })),
    401: unauthorized,
  },
});
