import type { Migration } from '../sql/db.ts';
import { core } from './0001-core.ts';

/** Every migration, in order. Add new files here; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [core];
