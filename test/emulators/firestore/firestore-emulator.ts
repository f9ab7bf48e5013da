import { createRequire } from 'node:module';
import type { Server, ServerCredentials as ServerCredentialsType } from '@grpc/grpc-js';
import { FirestoreServer } from '@firestore-emulator/server';

// The emulator bundles its own @grpc/grpc-js, whose Server only accepts its own credentials class.
const emulatorRequire = createRequire(createRequire(import.meta.url).resolve('@firestore-emulator/server'));
const { ServerCredentials } = emulatorRequire('@grpc/grpc-js') as { ServerCredentials: typeof ServerCredentialsType };

/**
 * `@firestore-emulator/server` (an in-process Firestore gRPC emulator) bound to 127.0.0.1 on an
 * ephemeral port — its own `start()` binds 0.0.0.0, so we bind the underlying gRPC server
 * ourselves. Clients reach it through the standard `FIRESTORE_EMULATOR_HOST` variable, which
 * @google-cloud/firestore reads when a client is constructed.
 */
export interface FirestoreEmulator {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const emulator = new FirestoreServer();
  const server = (emulator as unknown as { server: Server }).server;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    host: `127.0.0.1:${port}`,
    port,
    async close() {
      emulator.stop();
    },
  };
}
