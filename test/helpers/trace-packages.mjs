/**
 * `node --import ./trace-packages.mjs …`: appends the name of every npm package the process
 * resolves a module of to the file named by TRIBUTARY_TRACE_PACKAGES (one per line), so a test
 * can tell which libraries a process loaded (test/cli/lazy-start.test.ts).
 */
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const file = process.env.TRIBUTARY_TRACE_PACKAGES;
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  const at = resolved.url.lastIndexOf('/node_modules/');
  if (file && at >= 0) {
    const name = /^\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved.url.slice(at));
    if (name) appendFileSync(file, name[1] + '\\n');
  }
  return resolved;
}`),
);
