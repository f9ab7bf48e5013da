import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring links to one stored event (ping mode's `s3_payload.url`). The signature
 * covers developer, event and expiry, keyed by a key derived from the encryption key, so
 * any process of the deployment can check it and nobody can forge or extend one.
 */
export class PayloadUrls {
  readonly #key: Buffer;
  readonly #publicUrl: () => string;

  constructor(encryptionKeyHex: string, publicUrl: () => string) {
    this.#key = createHmac('sha256', Buffer.from(encryptionKeyHex, 'hex')).update('tributary:payload-urls').digest();
    this.#publicUrl = publicUrl;
  }

  #sign(devId: string, eventId: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${devId}.${eventId}.${expires}`).digest('base64url');
  }

  url(devId: string, eventId: string, expiresInSeconds: number, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + expiresInSeconds;
    const query = new URLSearchParams({
      dev_id: devId,
      expires: String(expires),
      signature: this.#sign(devId, eventId, expires),
    });
    return `${this.#publicUrl()}/v2/payloads/${encodeURIComponent(eventId)}?${query}`;
  }

  /** 'ok', or why the link is refused. */
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
}
