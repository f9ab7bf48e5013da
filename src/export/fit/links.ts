import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to the FIT file of one activity event: what a destination with
 * `format: "fit"` receives instead of the samples, as Terra does. The signature covers
 * developer, event and expiry under a key derived from the encryption key.
 */
export class FitLinks {
  readonly #key: Buffer;
  readonly #publicUrl: () => string;

  constructor(encryptionKeyHex: string, publicUrl: () => string) {
    this.#key = createHmac('sha256', Buffer.from(encryptionKeyHex, 'hex')).update('tributary:fit-links').digest();
    this.#publicUrl = publicUrl;
  }

  url(devId: string, eventId: string, expiresInSeconds: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + expiresInSeconds;
    const query = new URLSearchParams({
      dev_id: devId,
      expires: String(expires),
      signature: this.#sign(devId, eventId, expires),
    });
    return `${this.#publicUrl()}/v2/events/${encodeURIComponent(eventId)}/activity.fit?${query}`;
  }

  check(
    devId: string,
    eventId: string,
    expires: number,
    signature: string,
    now = Date.now(),
  ): 'ok' | 'invalid' | 'expired' {
    const expected = Buffer.from(this.#sign(devId, eventId, expires));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return expires * 1000 < now ? 'expired' : 'ok';
  }

  #sign(devId: string, eventId: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${devId}.${eventId}.${expires}`).digest('base64url');
  }
}
