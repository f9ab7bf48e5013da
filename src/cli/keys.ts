import { parseArgs } from 'node:util';
import { openConfiguredStore } from '../app.ts';
import { loadConfig } from '../core/config.ts';
import type { ApiKey, Store } from '../store/store.ts';
import { KEYS_USAGE } from './usage.ts';

/**
 * `tributary keys …`: a developer's named API keys from a shell, on the same store as a
 * running server (a revocation here is refused by the server from its next request on).
 */
export async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'dev-id': { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  });
  const devId = values['dev-id'];
  if (!sub || !devId) return usage();
  const store = await openConfiguredStore(loadConfig(process.env));
  const print = (value: unknown, text: string) =>
    process.stdout.write(values.json ? JSON.stringify(value) + '\n' : text + '\n');
  try {
    if (!(await store.developers.get(devId))) return fail(`no developer ${devId}`);
    return await run(store, devId, sub, { name: values.name, id: positionals[0] }, print);
  } finally {
    await store.close();
  }
}

async function run(
  store: Store,
  devId: string,
  sub: string,
  args: { name?: string; id?: string },
  print: (value: unknown, text: string) => void,
): Promise<number> {
  switch (sub) {
    case 'list': {
      const keys = await store.apiKeys.list(devId);
      print({ keys: keys.map(keyJson) }, keys.map(keyLine).join('\n'));
      return 0;
    }
    case 'create': {
      const name = args.name?.trim();
      if (!name) return usage();
      const { key, secret } = await store.apiKeys.create(devId, { name });
      print(
        { ...keyJson(key), key: secret },
        `API key "${key.name}" created (${key.keyId}).\n  x-api-key: ${secret}\n(Shown once; only its hash is stored.)`,
      );
      return 0;
    }
    case 'rotate': {
      if (!args.id) return usage();
      const rotated = await store.apiKeys.rotate(devId, args.id);
      if (!rotated) return fail(`no API key ${args.id}`);
      print(
        { ...keyJson(rotated.key), key: rotated.secret },
        `API key "${rotated.key.name}" rotated; the old secret is refused from now on.\n  x-api-key: ${rotated.secret}\n(Shown once.)`,
      );
      return 0;
    }
    case 'revoke': {
      if (!args.id) return usage();
      const outcome = await store.apiKeys.revoke(devId, args.id);
      if (outcome === 'not_found') return fail(`no API key ${args.id}`);
      if (outcome === 'last') return fail(`${args.id} is the last API key of ${devId}: create another first`);
      print({ id: args.id, status: 'revoked' }, `API key ${args.id} revoked.`);
      return 0;
    }
    default:
      return usage();
  }
}

const keyJson = (key: ApiKey) => ({
  id: key.keyId,
  name: key.name,
  hint: key.hint,
  created_at: key.createdAt,
  rotated_at: key.rotatedAt,
  last_used_at: key.lastUsedAt,
});

const keyLine = (key: ApiKey) =>
  `${key.keyId}  ${key.name}${key.hint ? `  …${key.hint}` : ''}  (created ${key.createdAt}; last used ${key.lastUsedAt ?? 'never'})`;

function fail(message: string): number {
  process.stderr.write(`tributary keys: ${message}\n`);
  return 1;
}

function usage(): number {
  process.stderr.write(`Usage:\n${KEYS_USAGE}\n`);
  return 2;
}
