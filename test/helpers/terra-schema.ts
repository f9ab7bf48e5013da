import { readFileSync } from 'node:fs';
import type { DataType } from '../../src/model/data-types.ts';
import type { TerraSchemaName } from '../../src/model/generated/terra-types.ts';
import {
  formatIssues,
  validateEvent,
  validateRecord,
  validateSchema,
  type ValidateOptions,
  type ValidationIssue,
} from '../../src/model/validate.ts';

/**
 * Assertions against Terra's own JSON Schemas (from the v5 contract), for any test:
 *
 *   expectValidTerra('Activity', body.data[0]);
 *   expectValidTerra('DataSentToWebhook', body);
 *   expectValidTerraEvent(webhookPayload);
 *
 * Each throws with one readable line per problem (`path: message`). Pass `{ nulls: 'strict' }`
 * to refuse nulls the schemas do not spell out (default: Terra's rule, optional fields nullable).
 */
export function expectValidTerra(schemaName: TerraSchemaName, value: unknown, options?: ValidateOptions): void {
  fail(`not a valid Terra ${schemaName}`, validateSchema(schemaName, value, options));
}

export function expectValidTerraRecord(type: DataType, record: unknown, options?: ValidateOptions): void {
  fail(`not a valid Terra ${type} record`, validateRecord(type, record, options));
}

export function expectValidTerraEvent(event: unknown, options?: ValidateOptions): void {
  const type = event && typeof event === 'object' ? (event as { type?: unknown }).type : undefined;
  fail(`not a valid Terra webhook event${typeof type === 'string' ? ` (${type})` : ''}`, validateEvent(event, options));
}

/** Reads a fixture under test/fixtures/terra/, e.g. `terraFixture('activity.json')` or `terraFixture('events/auth-success.json')`. */
export function terraFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/terra/${name}`, import.meta.url), 'utf8')) as T;
}

function fail(what: string, issues: ValidationIssue[]): void {
  if (issues.length > 0) throw new Error(`${what}:\n${formatIssues(issues)}`);
}
