import { TributaryError } from '../core/errors.ts';

/** A file that cannot become a workout: the message says why, in the user's terms. */
export function badFile(message: string): TributaryError {
  return new TributaryError('bad_request', message, { parameter: 'file' });
}

export function unrecognizedFile(message: string): TributaryError {
  return new TributaryError('unsupported_media_type', message, { parameter: 'file' });
}

export function fileTooLarge(size: number, limit: number): TributaryError {
  return new TributaryError(
    'payload_too_large',
    `the file is ${formatBytes(size)}, over the upload limit of ${formatBytes(limit)}`,
    { limit_bytes: limit },
  );
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}
