import { describe, expect, it } from 'vitest';
import { isSocketError } from './last-resort.ts';

describe('isSocketError', () => {
  it('recognises what a peer can make a socket emit', () => {
    expect(isSocketError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' }))).toBe(true);
    expect(isSocketError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isSocketError(Object.assign(new Error('odd'), { code: 'EFOO', syscall: 'connect' }))).toBe(true);
  });

  it('leaves bugs to crash', () => {
    expect(isSocketError(new TypeError('x is undefined'))).toBe(false);
    expect(isSocketError(Object.assign(new Error('no file'), { code: 'ENOENT', syscall: 'open' }))).toBe(false);
    expect(isSocketError('EPIPE')).toBe(false);
  });
});
