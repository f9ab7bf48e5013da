export * from './sqs.ts';
