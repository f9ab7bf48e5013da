import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { verifyTerraWebhookSignature } from 'terra-api';
import { webhookDestination } from '../../src/delivery/destinations/webhook/index.ts';
import { generateSigningSecret } from '../../src/delivery/destinations/webhook/signer.ts';
import { QueueView } from '../emulators/contract-views.ts';
import { destinationContract, type ContractTarget } from './contract.ts';

/**
 * The webhook destination runs the shared destination contract like every other type, against
 * a real HTTP receiver on 127.0.0.1. The receiver is what the README asks of a webhook
 * consumer: check the signature (both Terra's `terra-signature`, with terra-api's own
 * verifier, and Standard Webhooks', with the standardwebhooks package) and refuse what does
 * not verify with 401; then keep the latest body per X-Terra-Trace-Id (a retry or redelivery
 * carries the same trace id). The contract reads back what the receiver kept.
 */
async function startSigningReceiver(secret: string) {
  const view = new QueueView();
  const sockets = new Set<Socket>();
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void answer());
    async function answer(): Promise<void> {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(',') : (value ?? ''),
        ]),
      );
      let verified = false;
      try {
        new Webhook(secret).verify(body, headers);
        verified = await verifyTerraWebhookSignature(body, headers['terra-signature'], secret);
      } catch {
        verified = false;
      }
      if (!verified) {
        refused++;
        res.writeHead(401).end('bad signature');
        return;
      }
      const type = (JSON.parse(body) as { type: string }).type;
      view.add({ traceId: headers['x-terra-trace-id'], type, body });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    view,
    refused: () => refused,
    /** Stops listening (connections refused); resolves with the function that listens again on the same port. */
    async down(): Promise<() => Promise<void>> {
      await stop();
      return () => listen(port);
    },
    stop,
  };
}

destinationContract('webhook', async (): Promise<ContractTarget> => {
  const secret = generateSigningSecret();
  const receiver = await startSigningReceiver(secret);
  const config = { url: receiver.url, signing_secret: secret };
  return {
    definition: webhookDestination as never,
    config,
    invalidConfig: { config: { ...config, url: 'not a url' }, parameter: 'url' },
    badConfigs: [
      {
        name: 'weak signing secret',
        config: { ...config, signing_secret: 'whsec_c2hvcnQtc2VjcmV0' },
        message: /24 bytes/,
      },
      { name: 'not http(s)', config: { ...config, url: 'ftp://127.0.0.1/hook' }, message: /http or https/ },
    ],
    stored: (event) => Promise.resolve(receiver.view.stored(event)),
    count: () => {
      // Every POST carried a valid signature: a refused one would mean the signer is broken.
      if (receiver.refused() > 0) throw new Error(`${receiver.refused()} webhook POSTs failed signature checks`);
      return Promise.resolve(receiver.view.count());
    },
    outage: () => receiver.down(),
    close: () => receiver.stop(),
  };
});
