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

/**
 * The most a single workout file may hold: far above any real recording (a week at 1 Hz,
 * a multisport race), low enough that one small hostile file cannot make the server build
 * gigabytes of samples.
 */
export const FILE_LIMITS = {
  sessions: 200,
  laps: 20_000,
  /** Samples (track points) per file, summed over its activities. */
  samples: 600_000,
} as const;

export function tooMany(what: keyof typeof FILE_LIMITS, format: string): TributaryError {
  const limit = FILE_LIMITS[what];
  return new TributaryError(
    'payload_too_large',
    `the ${format} file holds more than ${limit} ${what === 'samples' ? 'samples (track points)' : what}, the most one file may hold`,
    { parameter: 'file', [`limit_${what}`]: limit },
  );
}
