import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import { TcpProxy } from '../tcp-proxy.ts';

/**
 * Azurite's Blob service (Microsoft's emulator) on 127.0.0.1, run as `node …/blob/main.js`
 * (no npx wrapper), in memory, with telemetry off and the API-version check skipped (the
 * current SDK speaks a newer API version than azurite 3.35 knows). It checks Shared Key and
 * SAS signatures like Azure does. A TCP proxy in front can take it down and back up.
 */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's documented, public development key (not a secret). */
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** http://127.0.0.1:<proxy port>/devstoreaccount1 */
  blobEndpoint: string;
  connectionString(key?: string): string;
  /** A container SAS URL (`https?://…/account/container?sv=…`) with the given permissions. */
  containerSasUrl(container: string, permissions: string): string;
  service: BlobServiceClient;
  createContainer(name: string): Promise<void>;
  listBlobs(container: string): Promise<string[]>;
  getBlob(container: string, name: string): Promise<{ body: Buffer; contentType: string | undefined }>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startAzurite(): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const workDir = mkdtempSync(join(tmpdir(), 'tributary-azurite-'));
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
    ],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // Never outlive the test process, even when it ends without running afterAll.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const port = await listeningPort(child);
  const proxy = await TcpProxy.start(port);
  const blobEndpoint = `${proxy.url}/${AZURITE_ACCOUNT}`;
  const connectionString = (key = AZURITE_KEY) =>
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${key};BlobEndpoint=${blobEndpoint};`;
  const service = BlobServiceClient.fromConnectionString(connectionString());
  return {
    blobEndpoint,
    connectionString,
    containerSasUrl(container, permissions) {
      const sas = generateBlobSASQueryParameters(
        {
          containerName: container,
          permissions: ContainerSASPermissions.parse(permissions),
          expiresOn: new Date(Date.now() + 3600_000),
        },
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
      );
      return `${blobEndpoint}/${container}?${sas.toString()}`;
    },
    service,
    async createContainer(name) {
      await service.getContainerClient(name).create();
    },
    async listBlobs(container) {
      const names: string[] = [];
      for await (const blob of service.getContainerClient(container).listBlobsFlat()) names.push(blob.name);
      return names.sort();
    },
    async getBlob(container, name) {
      const blob = service.getContainerClient(container).getBlockBlobClient(name);
      const [body, properties] = await Promise.all([blob.downloadToBuffer(), blob.getProperties()]);
      return { body, contentType: properties.contentType };
    },
    down: () => proxy.down(),
    up: () => proxy.up(),
    async close() {
      process.off('exit', killChild);
      await proxy.close();
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`azurite did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited (${code}): ${output}`));
    });
  });
}
