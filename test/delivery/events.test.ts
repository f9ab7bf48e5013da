import { describe, expect, it } from 'vitest';
import {
  dataEvent,
  dataSentToWebhook,
  healthcheckEvent,
  largeRequestProcessingEvent,
  largeRequestSendingEvent,
  permissionChangeEvent,
  rateLimitHitEvent,
  s3PayloadEvent,
} from '../../src/delivery/terra-events.ts';
import { validateEvent, validateSchema } from '../../src/model/validate.ts';
import type { User } from '../../src/store/store.ts';

const user: User = {
  userId: '5f0b9a4c-2d1e-4b7a-9c3e-1a2b3c4d5e6f',
  devId: 'dev',
  provider: 'GARMIN',
  referenceId: 'ref',
  providerUserId: 'p1',
  state: 'connected',
  active: true,
  scopes: 'ACTIVITY_EXPORT',
  lastWebhookUpdate: null,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('delivery events validate against Terra schemas', () => {
  it.each([
    ['healthcheck', healthcheckEvent({ sentWebhooksLastHour: 3, trendPercentage: -25 })],
    ['large_request_processing', largeRequestProcessingEvent(user, 'ref-1')],
    ['large_request_sending', largeRequestSendingEvent(user, 'ref-1', 4)],
    [
      'rate_limit_hit',
      rateLimitHitEvent(user, { startDate: '2026-01-01', endDate: '2026-02-01', retryingAt: '2026-01-02T00:00:00Z' }),
    ],
    ['permission_change', permissionChangeEvent(user, { scopesAdded: ['a', 'b'], scopesRemoved: [] })],
    ['s3_payload', s3PayloadEvent('http://127.0.0.1/v2/payloads/evt_1?sig=x', 600)],
    ['athlete', dataEvent('athlete', user, [{ first_name: 'Ada' }])],
    ['sleep', dataEvent('sleep', user, [])],
  ])('%s', (type, event) => {
    expect(event.type).toBe(type);
    expect(validateEvent(event)).toEqual([]);
  });

  it('catches a malformed event (the check can fail)', () => {
    const broken = { ...largeRequestSendingEvent(user, 'r', 1), expected_payloads: 'one' };
    expect(validateEvent(broken)).not.toEqual([]);
  });

  it('answers to_webhook reads in the DataSentToWebhook shape', () => {
    expect(validateSchema('DataSentToWebhook', dataSentToWebhook(user, 'ref-2'))).toEqual([]);
    expect(validateSchema('LargeRequestProcessingResponse', largeRequestProcessingEvent(user, 'ref-2'))).toEqual([]);
  });
});
