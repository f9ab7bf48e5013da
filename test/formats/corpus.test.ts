import { Decoder, Stream } from '@garmin/fitsdk';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isTributaryError } from '../../src/core/errors.ts';
import { decodeWorkoutFile } from '../../src/formats/index.ts';
import { HAS_SHARED, LOCAL_FIXTURES, SHARED_FIXTURES, listFiles, noteSkipped, shortName } from './fixtures.ts';

const MAX = 50 * 1024 * 1024;

/** What @garmin/fitsdk alone says about a FIT file: the bar for "must import". */
function sdkVerdict(bytes: Buffer): { importable: boolean; sessions: number } {
  if (bytes.length === 0) return { importable: false, sessions: 0 };
  const decoder = new Decoder(Stream.fromBuffer(bytes));
  if (!decoder.isFIT()) return { importable: false, sessions: 0 };
  const { messages, errors } = decoder.read();
  const sessions = messages.sessionMesgs?.length ?? 0;
  return { importable: errors.length === 0 && sessions > 0, sessions };
}

async function outcome(bytes: Buffer) {
  try {
    return { ok: true as const, decoded: await decodeWorkoutFile(bytes, { maxBytes: MAX }) };
  } catch (error) {
    if (!isTributaryError(error)) throw error;
    return { ok: false as const, error };
  }
}

function corpus(root: string) {
  const fits = listFiles(root, /\.fit$/i);
  const xml = listFiles(root, /\.(tcx|gpx)$/i);
  return { fits, xml };
}

for (const [label, root, available] of [
  ['repository fixtures', LOCAL_FIXTURES, true],
  ['shared fixture collection', SHARED_FIXTURES, HAS_SHARED],
] as const) {
  describe.skipIf(!available)(`workout corpus: ${label}`, () => {
    const { fits, xml } = corpus(root);

    it('holds files', () => {
      expect(fits.length).toBeGreaterThan(5);
      expect(xml.length).toBeGreaterThan(3);
    });

    it.each(fits.map((f) => [shortName(f), f]))(
      'FIT %s imports exactly when the SDK decodes it cleanly with a session',
      async (_name, path) => {
        const bytes = readFileSync(path);
        const verdict = sdkVerdict(bytes);
        const result = await outcome(bytes);
        if (verdict.importable) {
          expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
          if (!result.ok) return;
          const activities = result.decoded.parts.flatMap((p) => p.activities);
          expect(activities).toHaveLength(verdict.sessions);
          for (const activity of activities) {
            const metadata = activity.metadata as Record<string, unknown>;
            expect(metadata.summary_id).toMatch(/^fit-[0-9a-f]{24}-\d+$/);
            expect(Date.parse(metadata.end_time as string)).toBeGreaterThanOrEqual(
              Date.parse(metadata.start_time as string),
            );
            expect(typeof metadata.type).toBe('number');
          }
        } else {
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(['bad_request', 'unsupported_media_type']).toContain(result.error.code);
          expect(result.error.message.length).toBeGreaterThan(10);
        }
      },
    );

    it.each(xml.map((f) => [shortName(f), f]))(
      'TCX/GPX %s decodes or is rejected with a reason, never a crash',
      async (_name, path) => {
        const result = await outcome(readFileSync(path));
        if (result.ok) {
          for (const activity of result.decoded.parts.flatMap((p) => p.activities)) {
            const metadata = activity.metadata as Record<string, string>;
            expect(Date.parse(metadata.start_time)).not.toBeNaN();
            expect(Date.parse(metadata.end_time)).toBeGreaterThanOrEqual(Date.parse(metadata.start_time));
          }
        } else {
          expect(result.error.code).toBe('bad_request');
          expect(result.error.message).toMatch(/not a workout|not well-formed|not a GPX/);
        }
      },
    );
  });
}

it('notes when the shared collection is absent', () => {
  noteSkipped('the shared-fixture corpus and companion checks');
  expect(typeof HAS_SHARED).toBe('boolean');
});
