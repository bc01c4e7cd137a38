// Workers on the context (issue "the house", item 5): every background worker and per-database
// service is registered by name, shows its health, and stops with the others, newest first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import request from 'supertest';
import { periodic, Workers } from '../../server/workers.js';
import { serve, type RunningServer } from '../../server/runtime.js';
import { openTestContext, type TestContext } from '../helpers/db.js';

describe('Workers', () => {
  it('makes a service once, stops everything newest first, and refuses new ones while stopping', async () => {
    const order: string[] = [];
    const w = new Workers(pino({ level: 'silent' }));
    const a = w.use('a', () => ({ n: 1, stop: () => void order.push('a') }));
    expect(w.use('a', () => ({ n: 2, stop: () => undefined }))).toBe(a);
    w.add('b', { stop: async () => void order.push('b') });
    w.add('broken', { stop: () => { throw new Error('no'); } });
    expect(() => w.add('b', { stop: () => undefined })).toThrow(/registered already/);
    await w.stopAll();
    expect(order).toEqual(['b', 'a']);
    expect(() => w.use('c', () => ({ stop: () => undefined }))).toThrow(/stopping/);
  });

  it('stopAll lets every worker drain first (the intake takes what the scans under way produce), then stops them newest first', async () => {
    const order: string[] = [];
    const w = new Workers(pino({ level: 'silent' }));
    w.add('consumer', { drain: () => void order.push('drain consumer'), stop: () => void order.push('stop consumer') });
    w.add('producer', {
      drain: async () => {
        await new Promise((r) => setTimeout(r, 20));
        order.push('drain producer');
      },
      stop: () => void order.push('stop producer'),
    });
    w.add('failing', { drain: () => { throw new Error('no'); }, stop: () => undefined });
    await w.stopAll();
    expect(order).toEqual(['drain consumer', 'drain producer', 'stop producer', 'stop consumer']);
  });

  it('a periodic job runs, reports its last run and failure, and never twice at once', async () => {
    let runs = 0;
    let fail = false;
    const job = periodic(20, async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 30));
      if (fail) throw new Error('database away');
    }, pino({ level: 'silent' }), 'test job');
    await new Promise((r) => setTimeout(r, 100));
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(runs).toBeLessThanOrEqual(4); // 20 ms ticks, 30 ms runs: some ticks find a run under way
    expect(job.health!()).toMatchObject({ state: 'running', lastRunAt: expect.any(String) });
    fail = true;
    await new Promise((r) => setTimeout(r, 120));
    expect(job.health!()).toMatchObject({ state: 'failing', lastError: 'database away' });
    await job.stop();
    expect(job.health!().state).toBe('stopped');
  });
});

describe('a serving server', () => {
  let ctx: TestContext;
  let running: RunningServer;
  beforeAll(async () => {
    ctx = await openTestContext({ port: 0, host: '127.0.0.1', checkpointIntervalMinutes: 60 });
    running = await serve(ctx);
  });
  afterAll(async () => {
    await running?.stop().catch(() => undefined);
    await ctx?.dispose().catch(() => undefined);
  });

  it('registers its workers on the context, shows them at /api/health, and stop() stops them all', async () => {
    // Per-database services register on first use (the access log with the first request);
    // the periodic jobs at start.
    await request(running.url).get('/api/config');
    const health = await request(running.url).get('/api/health');
    expect(health.status).toBe(200);
    for (const name of ['journal.checkpoints', 'access-log.retention', 'custody.after-hours', 'throttle.purge', 'doors.alarms', 'access-log']) {
      expect(health.body.workers[name], name).toMatchObject({ state: expect.stringMatching(/running|failing/) });
    }
    expect(JSON.stringify(health.body)).not.toContain('lastError');
    await running.stop();
    expect(Object.values(ctx.workers.health()).every((h) => h.state === 'stopped' || h.state === 'running')).toBe(true);
    for (const name of ['journal.checkpoints', 'access-log.retention', 'custody.after-hours', 'throttle.purge']) expect(ctx.workers.health()[name]!.state, name).toBe('stopped');
  });
});
