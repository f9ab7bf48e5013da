import { Encoder, Profile, type Mesg } from '@garmin/fitsdk';
import { gzipSync } from 'node:zlib';
import { makeZip } from '../formats/zip-writer.ts';

/**
 * Small files built to make a decoder do much more work than their size: the shapes the
 * security review used (issue 10, item 3), reproducible in tests and in `npm run bench`.
 */

const T0 = Date.UTC(2024, 0, 1, 8);

/** A zip of gzip entries, each a few KB that inflates to `inflatedEach` bytes. */
export function zipOfGzipBombs(entries: number, inflatedEach: number): Buffer {
  const bomb = gzipSync(Buffer.alloc(inflatedEach));
  return makeZip(Array.from({ length: entries }, (_, i) => ({ name: `part-${i}.fit.gz`, data: bomb })));
}

/**
 * A FIT activity whose `records` come first and then `sessions` sessions sharing one
 * window: every session after the first has no records of its own, so a decoder that
 * copies the window per session emits sessions × records samples.
 */
export function fitSharedWindow(sessions: number, records: number): Buffer {
  const encoder = new Encoder();
  const write = (num: number, mesg: Record<string, unknown>) => encoder.onMesg(num, mesg as Mesg);
  write(Profile.MesgNum.FILE_ID!, {
    type: 'activity',
    manufacturer: 'development',
    product: 0,
    timeCreated: new Date(T0),
  });
  for (let i = 0; i < records; i++) {
    write(Profile.MesgNum.RECORD!, { timestamp: new Date(T0 + i * 1000), heartRate: 120 + (i % 40), distance: i * 3 });
  }
  for (let s = 0; s < sessions; s++) {
    write(Profile.MesgNum.SESSION!, {
      timestamp: new Date(T0 + records * 1000),
      startTime: new Date(T0),
      totalElapsedTime: records,
      sport: 'running',
      messageIndex: s,
    });
  }
  return Buffer.from(encoder.close());
}
