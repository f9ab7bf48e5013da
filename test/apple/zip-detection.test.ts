import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppleHealthZip } from '../../src/providers/apple/index.ts';
import { isAppleHealthExportBuffer } from '../../src/ingest/apple/export-upload.ts';
import { tempDir } from '../helpers/engines.ts';
import { FIXTURES, zipFolder } from './helpers.ts';

const EXPORT_XML = readFileSync(join(FIXTURES, 'tributary-v14/apple_health_export/export.xml'), 'utf8');
const ROUTE = readFileSync(
  join(FIXTURES, 'tributary-v14/apple_health_export/workout-routes/route_2024-03-02_7.00am.gpx'),
  'utf8',
);

/** A zip holding only the given entries. */
async function zipOf(entries: { name: string; content: string }[]): Promise<string> {
  const empty = tempDir('apple-zip-src-');
  return zipFolder(empty, join(tempDir('apple-zip-'), 'upload.zip'), entries);
}

describe('Apple Health exports are recognized by content, wherever export.xml sits in the zip', () => {
  it('export.xml at the zip root, with its routes beside it', async () => {
    const zip = await zipOf([
      { name: 'export.xml', content: EXPORT_XML },
      { name: 'workout-routes/route_2024-03-02_7.00am.gpx', content: ROUTE },
    ]);
    expect(await isAppleHealthZip(zip)).toBe(true);
    expect(await isAppleHealthExportBuffer(readFileSync(zip))).toBe(true);
  });

  it('export.xml in any folder (re-zipped or renamed export folder)', async () => {
    const zip = await zipOf([
      { name: 'backup/2024/Health Export/export.xml', content: EXPORT_XML },
      { name: 'backup/2024/Health Export/workout-routes/route_2024-03-02_7.00am.gpx', content: ROUTE },
    ]);
    expect(await isAppleHealthZip(zip)).toBe(true);
    // An upload's bytes (raw body, multipart part, hosted page) are recognized the same way.
    expect(await isAppleHealthExportBuffer(readFileSync(zip))).toBe(true);
  });

  it('the Health app layout (apple_health_export/) as before', async () => {
    const zip = await zipFolder(join(FIXTURES, 'tributary-v14'), join(tempDir('apple-zip-'), 'export.zip'));
    expect(await isAppleHealthZip(zip)).toBe(true);
  });

  it('not when export.xml has another root element, nor for a zip of GPX files', async () => {
    const other = await zipOf([
      { name: 'export.xml', content: '<?xml version="1.0"?>\n<gpx version="1.1"><trk/></gpx>' },
      { name: 'route.gpx', content: ROUTE },
    ]);
    expect(await isAppleHealthZip(other)).toBe(false);
    const gpxOnly = await zipOf([{ name: 'a/route.gpx', content: ROUTE }]);
    expect(await isAppleHealthZip(gpxOnly)).toBe(false);
    expect(await isAppleHealthExportBuffer(readFileSync(other))).toBe(false);
    expect(await isAppleHealthExportBuffer(readFileSync(gpxOnly))).toBe(false);
  });
});
