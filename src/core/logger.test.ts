import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(level: Parameters<typeof createLogger>[0], base: Record<string, unknown> = {}) {
  const lines: string[] = [];
  const logger = createLogger(level, base, (line) => lines.push(line));
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, entries };
}

describe('structured logs (pino)', () => {
  it('writes one JSON line per entry: level name, ISO time, pid, message, base and given fields', () => {
    const { logger, lines, entries } = capture('info', { component: 'delivery' });
    logger.warn('destination disabled', { destinationId: 'dst_1', attempts: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const entry = entries()[0];
    expect(entry).toMatchObject({
      level: 'warn',
      pid: process.pid,
      component: 'delivery',
      msg: 'destination disabled',
      destinationId: 'dst_1',
      attempts: 3,
    });
    expect(new Date(String(entry.time)).toISOString()).toBe(entry.time);
  });

  it('drops entries below the level; silent writes nothing', () => {
    const info = capture('info');
    info.logger.debug('not shown');
    info.logger.info('shown');
    expect(info.entries().map((e) => e.msg)).toEqual(['shown']);
    const silent = capture('silent');
    silent.logger.error('never');
    expect(silent.lines).toEqual([]);
  });

  it('serializes errors under any key, and a child adds its fields to every line', () => {
    const { logger, entries } = capture('debug');
    logger.child({ component: 'sync', provider: 'IFIT' }).error('sync failed', { error: new TypeError('boom') });
    const entry = entries()[0];
    expect(entry).toMatchObject({ component: 'sync', provider: 'IFIT', msg: 'sync failed', level: 'error' });
    expect(entry.error).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(String((entry.error as { stack: string }).stack)).toContain('TypeError: boom');
  });

  it('censors credentials: authorization, x-api-key, cookies and token fields, at the top and nested', () => {
    const { logger, lines, entries } = capture('info');
    logger.info('request', {
      authorization: 'Bearer top-secret-1',
      token: 'top-secret-2',
      headers: {
        'x-api-key': 'top-secret-3',
        cookie: 'sid=top-secret-4',
        'set-cookie': 'sid=top-secret-5',
        accept: '*/*',
      },
      upstream: { apiKey: 'top-secret-6', password: 'top-secret-7', refresh_token: 'top-secret-8' },
    });
    expect(lines.join('\n')).not.toMatch(/top-secret/);
    const entry = entries()[0];
    expect(entry.authorization).toBe('[redacted]');
    expect(entry.headers).toEqual({
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      'set-cookie': '[redacted]',
      accept: '*/*',
    });
  });
});
