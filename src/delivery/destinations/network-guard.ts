import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { DestinationServices } from './destination.ts';
import { verifyFailed } from './parse-config.ts';
import { assertPublicUrl, guardedLookup } from './webhook/ssrf.ts';

/**
 * The SSRF guard (TRIBUTARY_WEBHOOK_ALLOW_PRIVATE=false) for destinations that connect to a
 * developer-given host: an endpoint, a SAS URL, Kafka brokers. Checked at creation on the
 * resolved addresses; the AWS and Kafka clients also check at every connection (their
 * sockets resolve through `guardedLookup`).
 */
export function privateTargetsRefused(services: DestinationServices): boolean {
  return services.allowPrivateNetworks === false;
}

/** Throws `bad_request` naming the target when one resolves to a loopback/private/link-local address. */
export async function assertPublicTargets(
  type: string,
  targets: Array<string | undefined>,
  services: DestinationServices,
  parameter = 'config',
): Promise<void> {
  if (!privateTargetsRefused(services)) return;
  for (const target of targets) {
    if (!target) continue;
    try {
      await assertPublicUrl(new URL(target));
    } catch (error) {
      throw verifyFailed(type, error instanceof Error ? error.message : String(error), error, parameter);
    }
  }
}

/** Node agents whose sockets refuse private addresses (for SDKs that take agents). */
export function guardedAgents(): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  return {
    httpAgent: new HttpAgent({ keepAlive: true, lookup: guardedLookup }),
    httpsAgent: new HttpsAgent({ keepAlive: true, lookup: guardedLookup }),
  };
}
