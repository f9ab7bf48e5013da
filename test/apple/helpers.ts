import { createWriteStream, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Zips a folder (as the Health app does: `apple_health_export/...` inside). */
export async function zipFolder(
  folder: string,
  out: string,
  extra: { name: string; content: string }[] = [],
): Promise<string> {
  const zip = new yazl.ZipFile();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else zip.addFile(path, relative(folder, path));
    }
  };
  walk(folder);
  for (const file of extra) zip.addBuffer(Buffer.from(file.content), file.name);
  zip.end();
  const output = createWriteStream(out);
  zip.outputStream.pipe(output);
  await finished(output);
  return out;
}
