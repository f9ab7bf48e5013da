import type { Rule } from 'eslint';

/** Types of layers.js (plain JavaScript, so that eslint.config.js loads it without a build step). */
export const LAYERS: Record<string, { may: string[]; types?: string[] }>;
export const layersRule: Rule.RuleModule;
