import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long an upload page link works. Long enough to come back to with a folder of files. */
export const UPLOAD_PAGE_TTL_SECONDS = 7 * 24 * 3600;

/**
 * Signed, expiring links to a user's hosted upload page. The token names developer, user
 * and expiry and is signed with a key derived from the encryption key, so every process of
 * a deployment accepts it and nobody can forge one for another user.
 */
export class UploadLinks {
  readonly #key: Buffer;
  readonly #publicUrl: () => string;

  constructor(encryptionKeyHex: string, publicUrl: () => string) {
    this.#key = createHmac('sha256', Buffer.from(encryptionKeyHex, 'hex')).update('tributary:upload-page').digest();
    this.#publicUrl = publicUrl;
  }

  token(devId: string, userId: string, expiresInSeconds = UPLOAD_PAGE_TTL_SECONDS, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + expiresInSeconds;
    const body = Buffer.from(JSON.stringify([devId, userId, expires])).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  pageUrl(devId: string, userId: string, expiresInSeconds = UPLOAD_PAGE_TTL_SECONDS): string {
    return `${this.#publicUrl()}/upload?${new URLSearchParams({ token: this.token(devId, userId, expiresInSeconds) })}`;
  }

  /** The user the token is for, or why it is refused. */
  check(token: string, now = Date.now()): { devId: string; userId: string } | 'invalid' | 'expired' {
    const [body, signature] = token.split('.');
    if (!body || !signature) return 'invalid';
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return 'invalid';
    }
    if (!Array.isArray(parsed) || parsed.length !== 3) return 'invalid';
    const [devId, userId, expires] = parsed as [unknown, unknown, unknown];
    if (typeof devId !== 'string' || typeof userId !== 'string' || typeof expires !== 'number') return 'invalid';
    if (expires * 1000 < now) return 'expired';
    return { devId, userId };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}
