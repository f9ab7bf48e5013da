import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * A clone stands alone: it builds, tests, generates and drift-checks with nothing beside it.
 * Only the tests that read copyleft fixtures in place (never copied) may name ../shared, and
 * the fixture SOURCES files may name it as provenance.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
const READ_IN_PLACE = new Set([
  'bench/fit-import.bench.ts',
  'test/formats/fixtures.ts',
  'test/ifit/export-fixtures.test.ts',
  'test/repo/standalone.test.ts',
]);

/** Lines that are not comments (a comment may cite where something came from). */
const codeLines = (text: string) => text.split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*|#)/.test(line));

describe('the repository stands alone', () => {
  it('no code, script or config reads outside the clone', () => {
    const offenders = tracked.filter(
      (path) =>
        /\.(ts|js|json|sh|yaml|yml)$|^\.ci\//.test(path) &&
        !READ_IN_PLACE.has(path) &&
        existsSync(join(ROOT, path)) &&
        codeLines(readFileSync(join(ROOT, path), 'utf8')).some((line) => /\.\.\/shared\b|\/work\/shared/.test(line)),
    );
    expect(offenders).toEqual([]);
  });

  it("the generator's contract is carried with its licence and source", () => {
    const spec = readFileSync(join(ROOT, 'reference/terra/v5-bundled.openapi.yaml'), 'utf8');
    expect(spec).toMatch(/^openapi: 3\.1/m);
    expect(readFileSync(join(ROOT, 'reference/terra/LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(join(ROOT, 'reference/terra/README.md'), 'utf8')).toMatch(/tryterra\/openapi.*4b746515730b/s);
  });

  it('LICENSE is the Apache-2.0 text package.json names, and NOTICE lists what is carried', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    const notice = readFileSync(join(ROOT, 'NOTICE'), 'utf8');
    for (const carried of ['reference/terra/', 'test/fixtures/files/', 'test/apple/fixtures/']) {
      expect(notice, carried).toContain(carried);
    }
  });

  it('every relative link in a README points at a file in the repository', () => {
    const broken: string[] = [];
    for (const path of tracked.filter((p) => /(^|\/)(README|CONTRIBUTING)\.md$/.test(p))) {
      const text = readFileSync(join(ROOT, path), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        if (!existsSync(resolve(ROOT, dirname(path), target!))) broken.push(`${path} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
