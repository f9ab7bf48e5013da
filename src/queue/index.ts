import type { JobRepo } from '../store/index.ts';
import { BullmqQueue } from './bullmq.ts';
import { EmbeddedQueue } from './embedded.ts';
import type { Queue, QueueOptions } from './queue.ts';

export type * from './queue.ts';
export { EmbeddedQueue } from './embedded.ts';
export { BullmqQueue } from './bullmq.ts';

export interface OpenQueueOptions extends QueueOptions {
  /** TRIBUTARY_QUEUE_URL: a redis:// URL selects BullMQ; absent = the embedded queue on the store's `jobs`. */
  url?: string;
  jobs: JobRepo;
  /** Redis key prefix (BullMQ). */
  prefix?: string;
}

export function openQueue(options: OpenQueueOptions): Queue {
  if (options.url) return new BullmqQueue({ ...options, url: options.url });
  return new EmbeddedQueue(options.jobs, options);
}
