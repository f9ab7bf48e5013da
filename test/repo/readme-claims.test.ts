import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/delivery/service.ts';
import { OPT_IN_EVENT_TYPES } from '../../src/delivery/opt-in-events.ts';
import { eventSchemasByType } from '../../src/model/validate.ts';

/**
 * Claims of the README that code can check: the webhook event types it lists and counts, and
 * the commands it tells a reader to run (a new user on Linux follows them as written). Which
 * SDK call raises which error class is held by test/e2e/terra-sdk.test.ts.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The README paragraph that starts with `start`, up to its blank line. */
function paragraph(start: string): string {
  const at = README.indexOf(start);
  expect(at, `README has a paragraph starting "${start}"`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n\n', at);
  return README.slice(at, end < 0 ? undefined : end);
}

describe('the README says what the code does', () => {
  it('the webhook event types it lists are those delivered, and it counts them right', () => {
    const text = paragraph('One JSON `POST` per event');
    const [listed, rest] = text.split('; plus') as [string, string];
    const named = [...listed.matchAll(/`([a-z_0-9]+)`/g)].map((m) => m[1]!).filter((name) => name !== 'POST');
    const delivered = [...EVENT_TYPES.filter((type) => !OPT_IN_EVENT_TYPES.includes(type)), 's3_payload'];
    expect([...named].sort()).toEqual([...delivered].sort());
    expect(Number(/(\d+) event types/.exec(listed)?.[1])).toBe(delivered.length);
    for (const optIn of OPT_IN_EVENT_TYPES) expect(rest).toContain(`\`${optIn}\``);
    // The Terra event types it says are never sent are Terra's and are not delivered.
    const never = [...(/Of Terra's event types, (.*) are never/s.exec(rest)?.[1] ?? '').matchAll(/`([a-z_]+)`/g)].map(
      (m) => m[1]!,
    );
    const terra = eventSchemasByType();
    expect(never.length).toBeGreaterThan(0);
    for (const type of never) {
      expect(terra.has(type), type).toBe(true);
      expect(EVENT_TYPES).not.toContain(type);
    }
    expect([...terra.keys()].filter((type) => !delivered.includes(type)).sort()).toEqual([...never].sort());
  });

  it("the number of Terra's webhook event schemas it states is the generated model's", () => {
    const match = /Terra's (\d+) webhook event shapes \((\d+) event types/.exec(README);
    expect(match).not.toBeNull();
    const terra = eventSchemasByType();
    expect(Number(match![1])).toBe([...terra.values()].flat().length);
    expect(Number(match![2])).toBe(terra.size);
  });

  it('its commands run on Linux: no macOS-only command in a shell block', () => {
    const blocks = [...README.matchAll(/```(sh|bash|shell|console)?\n([\s\S]*?)```/g)]
      .filter((m) => m[1] !== undefined)
      .map((m) => m[2]!);
    expect(blocks.length).toBeGreaterThan(0);
    const macOnly =
      /(^|[\s;&|(])(open|pbcopy|pbpaste|brew|osascript|launchctl|caffeinate|ditto|xcrun|diskutil|sw_vers|mdfind)(\s|$)|sed -i ''|date -[jv]\b|base64 -D\b|stat -f\b|shasum\b/m;
    const offenders = blocks.flatMap((block) =>
      block.split('\n').filter((line) => !/^\s*#/.test(line) && macOnly.test(line.replace(/#.*$/, ''))),
    );
    expect(offenders).toEqual([]);
  });
});
