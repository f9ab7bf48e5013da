import { describe, expect, it } from 'vitest';
import * as events from '../../src/delivery/terra-events.ts';
import { DATA_TYPES } from '../../src/model/data-types.ts';
import type { User } from '../../src/store/store.ts';
import { validateEvent, validateSchema } from '../../src/model/validate.ts';
import { terraFixture } from '../helpers/terra-schema.ts';

/** The event builders every feature uses, checked against Terra's event schemas. */
const FIXTURES = {
  activity: 'activity.json',
  athlete: 'athlete.json',
  body: 'body.json',
  daily: 'daily.json',
  menstruation: 'menstruation.json',
  nutrition: 'nutrition.json',
  sleep: 'sleep.json',
  planned_workout: 'planned-workout.json',
} as const;

const user = (overrides: Partial<User> = {}): User => ({
  userId: '2d7e4f0a-1b3c-4d5e-8f90-a1b2c3d4e5f6',
  devId: 'dev-1',
  provider: 'IFIT',
  referenceId: 'user-42',
  providerUserId: 'ifit-123',
  state: 'connected' as User['state'],
  active: true,
  scopes: null,
  lastWebhookUpdate: null,
  createdAt: '2024-03-10T09:00:00.000Z',
  ...overrides,
});

const builders = (u: User): [string, Record<string, unknown>][] => [
  ['authSuccessEvent', events.authSuccessEvent(u, 'session-1')],
  [
    'authErrorEvent',
    events.authErrorEvent(u, {
      reason: 'user_denied',
      message: 'The user denied access',
      widgetSessionId: 'session-1',
    }),
  ],
  ['deauthEvent', events.deauthEvent(u)],
  ['userReauthEvent', events.userReauthEvent(u, user({ userId: '9a8b7c6d-0000-4000-8000-000000000001' }))],
  ['accessRevokedEvent', events.accessRevokedEvent(u, 'Refresh token revoked')],
  ['connectionErrorEvent', events.connectionErrorEvent(u, 'Provider answered 401')],
  ['healthcheckEvent', events.healthcheckEvent({ sentWebhooksLastHour: 12, trendPercentage: 4.4 })],
  ['largeRequestProcessingEvent', events.largeRequestProcessingEvent(u, 'ref-1')],
  ['largeRequestSendingEvent', events.largeRequestSendingEvent(u, 'ref-1', 3)],
  [
    'rateLimitHitEvent',
    events.rateLimitHitEvent(u, { startDate: '2024-01-01', endDate: '2024-03-01', retryingAt: '2024-03-10T10:00:00Z' }),
  ],
  ['permissionChangeEvent', events.permissionChangeEvent(u, { scopesAdded: ['activity'], scopesRemoved: [] })],
  ['s3PayloadEvent', events.s3PayloadEvent('http://127.0.0.1:8787/payloads/x', 600)],
];

describe('src/delivery/terra-events.ts builds events that match Terra’s schemas', () => {
  for (const [name, event] of builders(user())) {
    it(name, () => expect(validateEvent(event)).toEqual([]));
  }

  for (const type of DATA_TYPES.filter((t) => t !== 'planned_workout')) {
    it(`dataEvent('${type}')`, () => {
      expect(validateEvent(events.dataEvent(type, user(), [terraFixture(FIXTURES[type])]))).toEqual([]);
    });
  }

  it('dataSentToWebhook matches DataSentToWebhook', () => {
    expect(validateSchema('DataSentToWebhook', events.dataSentToWebhook(user(), 'ref-1'))).toEqual([]);
  });

  it('terraUser matches TerraUser, nulls included', () => {
    expect(validateSchema('TerraUser', events.terraUser(user({ referenceId: null, scopes: null })))).toEqual([]);
  });
});
