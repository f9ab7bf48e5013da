#!/usr/bin/env node
/* global process */
// Runs the TypeScript sources through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
run(process.argv.slice(2));
