import { parseArgs } from 'node:util';
import { loadConfig } from '../core/config.ts';
import { openConfiguredStore } from '../app.ts';
import { UsageError } from './usage.ts';

/** `tributary developers create|list`: works beside a running server (the SQLite file is shared). */
export async function developersCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, json: { type: 'boolean' } } });
  if (sub !== 'create' && sub !== 'list')
    throw new UsageError(sub ? `unknown subcommand ${sub}` : 'missing subcommand');
  if (sub === 'create' && !values.name) throw new UsageError('--name is required');
  const config = loadConfig(process.env);
  const store = await openConfiguredStore(config);
  try {
    if (sub === 'create') {
      const { developer, apiKey } = await store.developers.create({ name: values.name! });
      if (values.json) process.stdout.write(JSON.stringify({ dev_id: developer.devId, api_key: apiKey }) + '\n');
      else
        process.stdout.write(
          `Developer "${developer.name}" created.\n  dev-id:    ${developer.devId}\n  x-api-key: ${apiKey}\n(The API key is shown once; only its hash is stored.)\n`,
        );
      return 0;
    }
    const developers = await store.developers.list();
    if (values.json)
      process.stdout.write(
        JSON.stringify(developers.map((d) => ({ dev_id: d.devId, name: d.name, created_at: d.createdAt }))) + '\n',
      );
    else if (developers.length === 0)
      process.stdout.write('No developers yet. Create one: tributary developers create --name NAME\n');
    else for (const d of developers) process.stdout.write(`${d.devId}  ${d.name}  (created ${d.createdAt})\n`);
    return 0;
  } finally {
    await store.close();
  }
}
