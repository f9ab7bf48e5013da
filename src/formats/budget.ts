import { createGunzip } from 'node:zlib';
import { TributaryError } from '../core/errors.ts';
import { badFile, formatBytes } from './errors.ts';

/**
 * The bytes an upload may expand to once decompressed, shared by every file, zip entry and
 * gzip layer of one upload (one multipart request): a small archive of nested compressed
 * entries cannot inflate past it, however its parts are arranged.
 */
export class InflateBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  get remaining(): number {
    return this.limit - this.used;
  }

  /** Counts `bytes` more decoded bytes; a 413 once the upload as a whole exceeds the limit. */
  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limit) {
      throw new TributaryError(
        'payload_too_large',
        `the upload decompresses to more than ${formatBytes(this.limit)}, the upload limit (TRIBUTARY_MAX_UPLOAD_BYTES)`,
        { limit_bytes: this.limit },
      );
    }
  }
}

/**
 * Inflates a gzip stream off the event loop (zlib's thread pool, chunk by chunk), counting
 * every output chunk against the budget and stopping as soon as it is spent.
 */
export function gunzipWithin(bytes: Buffer, budget: InflateBudget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let failed = false;
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      gunzip.destroy();
      reject(error);
    };
    gunzip.on('data', (chunk: Buffer) => {
      try {
        budget.take(chunk.length);
        chunks.push(chunk);
      } catch (error) {
        fail(error as Error);
      }
    });
    gunzip.on('error', (error: Error) => fail(badFile(`the gzip file is corrupted: ${error.message}`)));
    gunzip.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    gunzip.end(bytes);
  });
}
