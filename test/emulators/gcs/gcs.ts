import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { Storage } from '@google-cloud/storage';
import { TcpProxy } from '../tcp-proxy.ts';

/**
 * A Google Cloud Storage JSON API server on 127.0.0.1: the Storage emulator inside
 * firebase-tools (pinned to 15.34.2 in package.json, because this reaches into its private
 * modules). `firebase emulators:start` cannot run here (it needs Java 21 and downloads jars),
 * so the emulator's own Express app is mounted directly, without the Java rules runtime —
 * which the GCS JSON API (`/storage/v1`, `/upload/storage/v1`) does not use. It does not check
 * credentials and creates buckets on first upload. A TCP proxy in front can take it down and up.
 */
export interface GcsEmulator {
  /** http://127.0.0.1:<proxy port> — a destination's `api_endpoint` */
  apiEndpoint: string;
  storage: Storage;
  listKeys(bucket: string): Promise<string[]>;
  getObject(bucket: string, key: string): Promise<{ body: Buffer; contentType: string | undefined }>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

interface FirebaseStorageEmulator {
  args: { host?: string; port?: number };
  stop?(): Promise<void>;
}

export async function startGcsEmulator(): Promise<GcsEmulator> {
  const require = createRequire(import.meta.url);
  const { StorageEmulator } = require('firebase-tools/lib/emulator/storage') as {
    StorageEmulator: new (args: object) => FirebaseStorageEmulator;
  };
  const { createApp } = require('firebase-tools/lib/emulator/storage/server') as {
    createApp: (
      projectId: string,
      emulator: FirebaseStorageEmulator,
    ) => Promise<{ listen(port: number, host: string, callback: () => void): Server }>;
  };
  const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry') as {
    EmulatorRegistry: { set(name: string, emulator: unknown): void };
  };
  const projectId = 'demo-tributary';
  // Never call emulator.start(): that launches the Java rules runtime.
  const emulator = new StorageEmulator({ projectId, rules: [], auto_download: false });
  const app = await createApp(projectId, emulator);
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const port = (server.address() as { port: number }).port;
  emulator.args.host = '127.0.0.1';
  emulator.args.port = port;
  // Its handlers look their own address up here ("Cannot determine host and port of storage" otherwise).
  EmulatorRegistry.set('storage', emulator);
  const proxy = await TcpProxy.start(port);
  const apiEndpoint = proxy.url;
  const storage = new Storage({ apiEndpoint, projectId });
  return {
    apiEndpoint,
    storage,
    async listKeys(bucket) {
      const [files] = await storage.bucket(bucket).getFiles();
      return files.map((file) => file.name).sort();
    },
    async getObject(bucket, key) {
      const file = storage.bucket(bucket).file(key);
      const [[body], [metadata]] = await Promise.all([file.download(), file.getMetadata()]);
      return { body, contentType: metadata.contentType };
    },
    down: () => proxy.down(),
    up: () => proxy.up(),
    async close() {
      await proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
