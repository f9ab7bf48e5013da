import { randomBytes, randomUUID } from 'node:crypto';

/** Terra user ids are UUIDs; so are ours. */
export function newUserId(): string {
  return randomUUID();
}

/** Ids for internal rows (events, deliveries, destinations). Prefixed so a log line says what it is. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** An opaque, URL-safe secret of `bytes` random bytes. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
