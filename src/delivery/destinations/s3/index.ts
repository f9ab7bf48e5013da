export * from './s3.ts';
