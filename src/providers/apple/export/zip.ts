import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ExportZip {
  /** The export.xml entry's name, e.g. `apple_health_export/export.xml`. */
  xmlName: string;
  xmlSize: number;
  openXml(): Promise<Readable>;
  /** Opens a file referenced from export.xml (`/workout-routes/…gpx`), relative to its folder; undefined if absent. */
  openReferenced(path: string): Promise<Readable | undefined>;
  close(): void;
}

/**
 * Opens an `export.zip` from the Health app (a file path, or the bytes of an upload). The
 * zip's central directory is read (names only); entries are inflated as streams on demand.
 * The XML is `apple_health_export/export.xml`, else the shallowest `export.xml` at any depth
 * (re-zipped exports, other tools); localized exports name it differently, so the largest
 * `.xml` that is not the CDA document is taken as a fallback.
 */
export async function openExportZip(source: string | Buffer): Promise<ExportZip | undefined> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: true } as const;
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => {
    const done = (error: Error | null, file?: yauzl.ZipFile) =>
      error || !file ? reject(error ?? new Error('cannot open zip')) : resolve(file);
    if (typeof source === 'string') yauzl.open(source, options, done);
    else yauzl.fromBuffer(source, options, done);
  });
  const entries = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (!entry.fileName.endsWith('/')) entries.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  const xml = pickExportXml([...entries.values()]);
  if (!xml) {
    zip.close();
    return undefined;
  }
  const folder = xml.fileName.includes('/') ? xml.fileName.slice(0, xml.fileName.lastIndexOf('/') + 1) : '';
  const open = (entry: yauzl.Entry) =>
    new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) =>
        error || !stream ? reject(error ?? new Error('cannot read zip entry')) : resolve(stream),
      ),
    );
  return {
    xmlName: xml.fileName,
    xmlSize: xml.uncompressedSize,
    openXml: () => open(xml),
    async openReferenced(reference) {
      const entry = entries.get(folder + reference.replace(/^\/+/, ''));
      return entry ? open(entry) : undefined;
    },
    close: () => zip.close(),
  };
}

function pickExportXml(entries: yauzl.Entry[]): yauzl.Entry | undefined {
  // The Health app's own layout first; else an export.xml at any depth (re-zipped exports,
  // other tools), the shallowest one. Whether it is an export is decided by its content.
  const named = entries.filter((e) => /(^|\/)export\.xml$/.test(e.fileName));
  const depth = (e: yauzl.Entry) => e.fileName.split('/').length;
  const exact =
    named.find((e) => /(^|\/)apple_health_export\/export\.xml$/.test(e.fileName)) ??
    named.sort((a, b) => depth(a) - depth(b))[0];
  if (exact) return exact;
  const candidates = entries.filter((e) => /^(?:[^/]*\/)?[^/]+\.xml$/.test(e.fileName) && !/cda/i.test(e.fileName));
  return candidates.sort((a, b) => b.uncompressedSize - a.uncompressedSize)[0];
}

/** How much of export.xml is read to find its root element (past the DTD the Health app writes first). */
const HEAD_BYTES = 256 * 1024;

/**
 * True when the zip (a file path, or an upload's bytes) holds an Apple Health export (for
 * upload format detection), decided by content: an `export.xml` (at the root or in any folder:
 * re-zipped exports, other tools) whose root element is `<HealthData>`. Its workout-route GPX
 * files then belong to it.
 */
export async function isAppleHealthZip(source: string | Buffer): Promise<boolean> {
  let zip: ExportZip | undefined;
  try {
    zip = await openExportZip(source);
    if (!zip) return false;
    return /<HealthData[\s>]/.test(await readHead(await zip.openXml(), HEAD_BYTES));
  } catch {
    return false;
  } finally {
    zip?.close();
  }
}

async function readHead(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
