import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/engines.ts';
import { startTestApp } from '../helpers/harness.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

/** Issue 10, low: the data directory is 0700 and the database files 0600, whatever the umask. */
describe('embedded store files are the owner’s only', () => {
  it('a fresh data directory, its database, WAL and key files', async () => {
    const dir = join(tempDir(), 'data');
    const t = await startTestApp('sqlite', 'perms', { TRIBUTARY_DATA_DIR: dir, TRIBUTARY_ENCRYPTION_KEY: '' });
    try {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'tributary.db'))).toBe(0o600);
      expect(mode(join(dir, 'tributary.db-wal'))).toBe(0o600);
      expect(mode(join(dir, 'encryption.key'))).toBe(0o600);
    } finally {
      await t.close();
    }
  });

  it('an existing world-readable directory and database are narrowed at start', async () => {
    const dir = join(tempDir(), 'old');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'tributary.db'), '');
    chmodSync(join(dir, 'tributary.db'), 0o644);
    const t = await startTestApp('sqlite', 'perms-old', { TRIBUTARY_DATA_DIR: dir });
    try {
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(dir, 'tributary.db'))).toBe(0o600);
    } finally {
      await t.close();
    }
  });
});
