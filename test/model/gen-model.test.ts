import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateModel } from '../../scripts/gen-model.ts';

/** A miniature contract in the shape of Terra's bundle, to pin the generator's rules. */
const SPEC = `
openapi: 3.1.0
info: { title: T, version: 2022.03.16 }
paths:
  /thing:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: { $ref: '#/components/schemas/Thing' }
webhooks: {}
components:
  securitySchemes:
    DevID: { type: apiKey, in: header, name: dev-id }
  schemas:
    Level:
      $schema: https://json-schema.org/draft/2020-12/schema
      $id: https://example.invalid/schemas/Level.yaml
      oneOf:
        - { type: number, const: 0, title: Unknown }
        - { type: number, const: 4, title: Light sleep }
      description: A level
    Thing:
      $id: https://example.invalid/schemas/Thing.yaml
      type: object
      properties:
        level: { $ref: '#/components/schemas/Level', description: The level }
        label: { type: string, nullable: true }
        maybe: { type: [integer, 'null'] }
        where: { type: array, prefixItems: [{ type: number }, { type: number }] }
        kind: { type: string, enum: [A, B] }
        samples: { type: array, items: { $ref: '#/components/schemas/Level' } }
      required: [level]
`;

const dir = mkdtempSync(join(tmpdir(), 'gen-model-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function generate(spec: string) {
  const file = join(dir, `spec-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, spec);
  return Object.fromEntries(generateModel(file).map((a) => [a.path.split('/').pop()!, a.content]));
}

describe('scripts/gen-model.ts', () => {
  const out = generate(SPEC);

  it('writes one self-contained schema document: refs under $defs, per-schema $id/$schema dropped, content verbatim', () => {
    const doc = JSON.parse(out['terra-schemas.json']);
    expect(doc.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(doc.$defs.Thing.properties.level).toEqual({ $ref: '#/$defs/Level', description: 'The level' });
    expect(doc.$defs.Thing.$id).toBeUndefined();
    expect(doc.$defs.Level.$schema).toBeUndefined();
    expect(doc.$defs.Thing.properties.label).toEqual({ type: 'string', nullable: true });
  });

  it('keeps the paths with their component refs for the OpenAPI document', () => {
    const openapi = JSON.parse(out['terra-openapi.json']);
    expect(openapi.paths['/thing'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/Thing',
    );
    expect(openapi.securitySchemes.DevID.name).toBe('dev-id');
  });

  it('emits enums as unions of codes plus a named table, and objects with their optionality and nullability', () => {
    const ts = out['terra-types.ts'];
    expect(ts).toContain('export type Level = 0 | 4;');
    expect(ts).toMatch(
      /export const Level = \{\n {2}\/\*\* Unknown \*\/\n {2}UNKNOWN: 0,\n {2}\/\*\* Light sleep \*\/\n {2}LIGHT_SLEEP: 4,\n\} as const;/,
    );
    expect(ts).toContain('  level: Level;');
    expect(ts).toContain('  label?: string | null;');
    expect(ts).toContain('  maybe?: number | null;');
    expect(ts).toContain('  where?: [number, number, ...unknown[]];');
    expect(ts).toContain("  kind?: 'A' | 'B';");
    expect(ts).toContain('  samples?: Level[];');
    expect(ts).toContain("export const TERRA_SCHEMA_NAMES = ['Level', 'Thing'] as const;");
  });

  it('refuses a contract with a dangling $ref', () => {
    expect(() =>
      generate(
        SPEC.replace(
          "items: { $ref: '#/components/schemas/Level' }",
          "items: { $ref: '#/components/schemas/Missing' }",
        ),
      ),
    ).toThrow(/unresolvable \$ref #\/\$defs\/Missing/);
  });

  it('refuses an enum whose titles collide into one member name', () => {
    expect(() => generate(SPEC.replace('title: Light sleep', 'title: unknown'))).toThrow(
      /Level: duplicate member name UNKNOWN/,
    );
  });
});
