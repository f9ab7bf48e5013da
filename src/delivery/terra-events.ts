import { MODEL_VERSION, type DataType, type TerraRecord } from '../model/data-types.ts';
import type { User } from '../store/store.ts';

/** TerraUser, as embedded in every event and API response. */
export interface TerraUser {
  user_id: string;
  provider: string;
  last_webhook_update: string | null;
  scopes: string | null;
  reference_id: string | null;
  active: boolean;
  created_at: string;
}

export function terraUser(user: User): TerraUser {
  return {
    user_id: user.userId,
    provider: user.provider,
    last_webhook_update: user.lastWebhookUpdate,
    scopes: user.scopes,
    reference_id: user.referenceId,
    active: user.active,
    created_at: user.createdAt,
  };
}

/** A data event: `{type, user, data, version}`; athlete carries one object under `athlete`. */
export function dataEvent(type: DataType, user: User, records: TerraRecord[]): Record<string, unknown> {
  if (type === 'athlete') return { type, user: terraUser(user), athlete: records[0] ?? null, version: MODEL_VERSION };
  return { type, user: terraUser(user), data: records, version: MODEL_VERSION };
}

// --- Connection events (issue 3, src/auth/ and src/ingest/): Terra's AuthSuccessEvent, AuthErrorEvent,
// DeauthEvent, UserReauthEvent, AccessRevokedEvent, ConnectionErrorEvent. ---

/** `auth` success: a provider connection completed (widget_session_id = the hosted session's id). */
export function authSuccessEvent(user: User, widgetSessionId: string): Record<string, unknown> {
  return {
    type: 'auth',
    status: 'success',
    user: terraUser(user),
    reference_id: user.referenceId,
    widget_session_id: widgetSessionId,
    message: 'User has successfully authenticated',
  };
}

/** `auth` error: a connection attempt failed or was cancelled (the half-created user is deleted). */
export function authErrorEvent(
  user: User,
  input: { reason: string; message: string; widgetSessionId: string },
): Record<string, unknown> {
  return {
    type: 'auth',
    status: 'error',
    user: terraUser(user),
    provider: user.provider,
    message: input.message,
    reason: input.reason,
    reference_id: user.referenceId,
    widget_session_id: input.widgetSessionId,
  };
}

export function deauthEvent(user: User, message = 'User has deauthenticated'): Record<string, unknown> {
  return { type: 'deauth', status: 'success', user: terraUser(user), message };
}

/** The same provider account connected again: the old user is deleted, the new one replaces it. */
export function userReauthEvent(oldUser: User, newUser: User): Record<string, unknown> {
  return {
    type: 'user_reauth',
    status: 'warning',
    old_user: terraUser(oldUser),
    new_user: terraUser(newUser),
    message: 'User has reauthenticated and the old user_id has been deleted',
    version: MODEL_VERSION,
  };
}

/** The provider says access is gone for good (e.g. refresh token revoked): the user must reconnect. */
export function accessRevokedEvent(user: User, message: string): Record<string, unknown> {
  return { type: 'access_revoked', status: 'warning', user: terraUser(user), message };
}

/** The provider rejected our credentials in a way we cannot tell apart from a revocation. */
export function connectionErrorEvent(user: User, message: string): Record<string, unknown> {
  return { type: 'connection_error', status: 'warning', user: terraUser(user), message };
}

// --- Delivery events (issue 4): healthcheck, large requests, rate limits, permissions, ping mode. ---

/** `healthcheck`: sent by `POST /v2/destinations/{id}/test` (and usable as a periodic ping). */
export function healthcheckEvent(input: {
  sentWebhooksLastHour: number;
  trendPercentage: number;
  now?: Date;
}): Record<string, unknown> {
  return {
    type: 'healthcheck',
    status: 'success',
    creation_timestamp: (input.now ?? new Date()).toISOString(),
    trend_percentage: Math.round(input.trendPercentage),
    sent_webhooks_last_hour: input.sentWebhooksLastHour,
  };
}

/** HTTP answer and first event of a read spanning more than one month. */
export function largeRequestProcessingEvent(user: User, reference: string): Record<string, unknown> {
  return {
    type: 'large_request_processing',
    status: 'processing',
    message: 'Large request is being processed; the data will be sent to your destinations in chunks',
    user: terraUser(user),
    reference,
  };
}

export function largeRequestSendingEvent(
  user: User,
  reference: string,
  expectedPayloads: number,
): Record<string, unknown> {
  return {
    type: 'large_request_sending',
    user: terraUser(user),
    reference,
    message: `Sending ${expectedPayloads} payload(s) for this request`,
    expected_payloads: expectedPayloads,
  };
}

export function rateLimitHitEvent(
  user: User,
  input: { startDate: string; endDate: string; retryingAt: string; message?: string },
): Record<string, unknown> {
  return {
    type: 'rate_limit_hit',
    user: terraUser(user),
    start_date: input.startDate,
    end_date: input.endDate,
    retrying_at: input.retryingAt,
    message: input.message ?? 'The provider rate limit was hit; the request will be retried',
  };
}

export function permissionChangeEvent(
  user: User,
  input: { scopesAdded: string[]; scopesRemoved: string[] },
): Record<string, unknown> {
  return {
    type: 'permission_change',
    user: terraUser(user),
    status: 'warning',
    message: 'User permissions changed',
    version: MODEL_VERSION,
    scopes_added: input.scopesAdded.join(','),
    scopes_removed: input.scopesRemoved.join(','),
  };
}

/** Ping mode: the POST carries this wrapper; GET `url` returns the full event. */
export function s3PayloadEvent(url: string, expiresInSeconds: number): Record<string, unknown> {
  return { type: 's3_payload', status: 'success', url, expires_in: expiresInSeconds };
}

/** The `message` of a to_webhook read that no destination will receive: the data goes nowhere. */
export function noReceiverMessage(type: string): string {
  return `No enabled destination receives ${type} events for this developer, so this data is not sent anywhere: add or enable a destination (POST /v2/destinations), or read with to_webhook=false`;
}

/** The answer to a read with `to_webhook=true` (DataSentToWebhook). */
export function dataSentToWebhook(user: User, reference: string): Record<string, unknown> {
  return { reference, message: 'Data will be sent to webhook', type: 'webhook', user: terraUser(user) };
}
