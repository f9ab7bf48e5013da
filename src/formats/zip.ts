import yauzl from 'yauzl';
import type { InflateBudget } from './budget.ts';
import { badFile } from './errors.ts';
import type { RejectedPart } from './index.ts';

export function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const MAX_ENTRIES = 10_000;

/**
 * The files of a zip archive, read with yauzl (inflated by zlib streams, off the event loop).
 * Sizes are checked while inflating (a zip bomb cannot exhaust memory): every inflated
 * byte is counted against the upload's budget, whatever the entry headers claim.
 * Folders and macOS metadata are skipped silently.
 */
export async function readZip(
  bytes: Buffer,
  budget: InflateBudget,
): Promise<{ files: { name: string; bytes: Buffer }[]; rejected: RejectedPart[] }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (error, file) => {
      if (error || !file) reject(badFile(`the zip archive is corrupted: ${error?.message ?? 'unreadable'}`));
      else resolve(file);
    });
  });
  const files: { name: string; bytes: Buffer }[] = [];
  const rejected: RejectedPart[] = [];
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      zip.close();
      reject(error);
    };
    zip.on('error', (error: Error) => fail(badFile(`the zip archive is corrupted: ${error.message}`)));
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      count++;
      if (count > MAX_ENTRIES) return fail(badFile(`the zip archive has more than ${MAX_ENTRIES} entries`));
      const name = entry.fileName;
      if (name.endsWith('/') || name.startsWith('__MACOSX/') || /(^|\/)\.[^/]*$/.test(name)) return zip.readEntry();
      try {
        // The declared size is checked up front (validateEntrySizes holds the entry to it).
        if (entry.uncompressedSize > budget.remaining) budget.take(entry.uncompressedSize);
      } catch (error) {
        return fail(error as Error);
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) {
          rejected.push({ name, reason: `unreadable zip entry: ${error?.message ?? 'no data'}` });
          return zip.readEntry();
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => {
          try {
            budget.take(chunk.length);
            chunks.push(chunk);
          } catch (error) {
            stream.destroy(error as Error);
          }
        });
        stream.on('error', (streamError: Error) => {
          if ((streamError as { code?: string }).code === 'payload_too_large' || streamError.name === 'TributaryError')
            return fail(streamError);
          rejected.push({ name, reason: `corrupted zip entry: ${streamError.message}` });
          zip.readEntry();
        });
        stream.on('end', () => {
          files.push({ name, bytes: Buffer.concat(chunks) });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
  if (files.length === 0 && rejected.length === 0) throw badFile('the zip archive is empty');
  return { files, rejected };
}
