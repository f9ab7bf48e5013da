export * from './gcs.ts';
