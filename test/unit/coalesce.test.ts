// Request coalescing (server/shared/coalesce.ts): what the door and the session check rely on.
import { describe, expect, it } from 'vitest';
import { coalesce } from '../../server/shared/coalesce.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('coalesce', () => {
  it('calls made in the same turn go in one batch, each gets its own result in order', async () => {
    const batches: number[][] = [];
    const double = coalesce<number, number>(async (xs) => {
      batches.push(xs);
      return xs.map((x) => x * 2);
    }, { maxBatch: 10, maxInFlight: 1 });
    expect(await Promise.all([1, 2, 3].map(double))).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('a call made while a batch is in flight never joins it: it waits for the next batch', async () => {
    const gate = deferred<void>();
    const seen: number[][] = [];
    const run = coalesce<number, number>(async (xs) => {
      seen.push(xs);
      if (seen.length === 1) await gate.promise;
      return xs;
    }, { maxBatch: 10, maxInFlight: 1 });
    const first = run(1);
    await new Promise((r) => setImmediate(r)); // the first batch has started
    const later = [run(2), run(3)];
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([[1]]); // still one batch: 2 and 3 wait
    gate.resolve();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(seen).toEqual([[1], [2, 3]]);
  });

  it('the next batch is sent before the finished batch\'s callers are answered (their answers overlap the database\'s work)', async () => {
    const gate = deferred<void>();
    const events: string[] = [];
    const run = coalesce<number, number>(async (xs) => {
      events.push(`run ${xs.join(',')}`);
      if (xs[0] === 1) await gate.promise;
      return xs;
    }, { maxBatch: 10, maxInFlight: 1 });
    const first = run(1).then(() => void events.push('answered 1'));
    await new Promise((r) => setImmediate(r));
    const second = run(2).then(() => void events.push('answered 2'));
    gate.resolve();
    await Promise.all([first, second]);
    expect(events).toEqual(['run 1', 'run 2', 'answered 1', 'answered 2']);
  });

  it('at most maxBatch calls per batch and maxInFlight batches at once', async () => {
    let inFlight = 0;
    let most = 0;
    const sizes: number[] = [];
    const run = coalesce<number, number>(async (xs) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      sizes.push(xs.length);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return xs;
    }, { maxBatch: 4, maxInFlight: 2 });
    const out = await Promise.all(Array.from({ length: 19 }, (_, i) => run(i)));
    expect(out).toEqual(Array.from({ length: 19 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(19);
    expect(most).toBe(2);
  });

  it('an Error in the results rejects only its own call; a failed batch rejects all of its calls and the next batch still runs', async () => {
    let fail = false;
    const run = coalesce<number, number>(async (xs) => {
      if (fail) throw new Error('database away');
      return xs.map((x) => (x < 0 ? new Error(`bad ${x}`) : x));
    }, { maxBatch: 10, maxInFlight: 1 });
    const results = await Promise.allSettled([run(1), run(-1), run(2)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('bad -1');
    fail = true;
    const failed = await Promise.allSettled([run(3), run(4)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await run(5)).toBe(5);
  });

  it('a run that throws synchronously rejects its calls instead of breaking the queue', async () => {
    let calls = 0;
    const run = coalesce<number, number>((xs) => {
      calls += 1;
      if (calls === 1) throw new Error('sync');
      return Promise.resolve(xs);
    }, { maxBatch: 10, maxInFlight: 1 });
    await expect(run(1)).rejects.toThrow('sync');
    expect(await run(2)).toBe(2);
  });

  it('idle() waits for the calls queued and the batches in flight (a server shutting down answers them first)', async () => {
    const gate = deferred<void>();
    const run = coalesce<number, number>(async (xs) => {
      await gate.promise;
      return xs;
    }, { maxBatch: 2, maxInFlight: 1 });
    await run.idle(); // nothing under way: at once
    const calls = [run(1), run(2), run(3)];
    let idle = false;
    const waiting = run.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(idle).toBe(false);
    gate.resolve();
    await waiting;
    expect(idle).toBe(true);
    expect(await Promise.all(calls)).toEqual([1, 2, 3]);
  });
});
