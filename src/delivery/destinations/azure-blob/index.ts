export * from './azure-blob.ts';
