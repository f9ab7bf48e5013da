import type { JobRepo } from '../store/index.ts';
import { EmbeddedQueue } from './embedded.ts';
import type { Queue, QueueOptions } from './queue.ts';

export type * from './queue.ts';
export { EmbeddedQueue } from './embedded.ts';

export interface OpenQueueOptions extends QueueOptions {
  /** TRIBUTARY_QUEUE_URL: a redis:// URL selects BullMQ; absent = the embedded queue on the store's `jobs`. */
  url?: string;
  jobs: JobRepo;
  /** Redis key prefix (BullMQ). */
  prefix?: string;
}

/**
 * Opens the configured engine. BullMQ and ioredis are imported only here, when a Redis queue is
 * configured: the embedded default never loads them (start-up time, `npm run bench -- startup`).
 */
export async function openQueue(options: OpenQueueOptions): Promise<Queue> {
  if (options.url) {
    const { BullmqQueue } = await import('./bullmq.ts');
    return new BullmqQueue({ ...options, url: options.url });
  }
  return new EmbeddedQueue(options.jobs, options);
}
