import type { z } from 'zod';
import { badParameter, type TributaryError } from '../../core/errors.ts';

/** Enums longer than this are not spelled out in a message (a provider list has 130 values). */
const LISTED_VALUES = 12;

/**
 * The 400 for a request that does not match its declaration: the first issue, naming the
 * parameter (`parameter` = its dotted path). Messages written by a field (custom issues)
 * are kept verbatim; zod's own are reworded to name the parameter.
 */
export function inputError(
  where: 'path' | 'query' | 'body',
  issues: readonly z.ZodIssue[],
  missing?: 'missing',
): TributaryError {
  if (missing) return badParameter('body', 'a JSON body is required');
  const issue = issues[0];
  const name = issue.path.join('.') || (where === 'body' ? 'body' : where);
  return badParameter(parameterOf(issue, name), messageOf(issue, name, where));
}

function parameterOf(issue: z.ZodIssue, name: string): string {
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) return issue.keys[0] ?? name;
  if (issue.code === 'unrecognized_keys') return `${name}.${issue.keys[0]}`;
  return name;
}

function messageOf(issue: z.ZodIssue, name: string, where: 'path' | 'query' | 'body'): string {
  const kind = where === 'body' ? 'body field' : `${where} parameter`;
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'invalid_type':
      if (issue.received === 'undefined')
        return where === 'body' ? `missing required body field ${name}` : `missing required parameter ${name}`;
      if (name === 'body') return `the body must be a JSON ${issue.expected}`;
      return `${kind} '${name}' must be ${article(issue.expected)} (got ${issue.received})`;
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `'${k}'`).join(', ');
      return `unknown ${where === 'body' ? 'body field' : `${where} parameter`}${issue.keys.length > 1 ? 's' : ''} ${keys}${issue.path.length ? ` in ${name}` : ''}`;
    }
    case 'invalid_enum_value':
      return issue.options.length <= LISTED_VALUES
        ? `${name} must be one of ${issue.options.join(', ')} (got ${JSON.stringify(issue.received)})`
        : `unknown ${name} ${JSON.stringify(issue.received)} (${issue.options.length} values are accepted; see /openapi.json)`;
    default:
      return `invalid ${kind} '${name}': ${issue.message}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
