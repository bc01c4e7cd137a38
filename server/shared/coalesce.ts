// Request coalescing: concurrent callers of one kind of database work (a session lookup, a scan at
// the door) are served by one statement for all of them instead of one statement each. Under load
// this divides the per-statement cost — a socket write and a read in Node, a parse/bind/execute
// and a commit in PostgreSQL — by the batch size; when the server is quiet a call is sent alone,
// at once (only the current turn of the event loop is waited for).
//
// Every call's work starts after the call was made: a call that arrives while a batch is in
// flight waits for the next batch, it never joins one that started before it. So a session ended
// on another server is refused by the next lookup, exactly as without coalescing.
//
// Nothing here is shared between processes: each server batches its own callers, and whatever
// must be consistent across servers is decided by the database (unique keys, row locks).

export interface CoalesceOptions {
  /** At most this many calls per batch. */
  maxBatch: number;
  /** At most this many batches in flight at once (each holds one database connection). */
  maxInFlight: number;
}

/**
 * Returns a function that queues one call and resolves with its own result. `run` receives the
 * inputs of a batch and returns one result per input, in order; an Error in that array rejects
 * only its own call, while `run` throwing rejects every call of the batch.
 */
export function coalesce<I, O>(run: (inputs: I[]) => Promise<Array<O | Error>>, options: CoalesceOptions): Coalesced<I, O> {
  const queue: Array<{ input: I; resolve: (value: O) => void; reject: (err: unknown) => void }> = [];
  let inFlight = 0;
  let scheduled = false;
  /** Waiting for the queue to empty and the batches to finish (a server shutting down). */
  let idleWaiters: Array<() => void> = [];
  const settleIdle = (): void => {
    if (inFlight > 0 || queue.length > 0 || idleWaiters.length === 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const start = (): void => {
    scheduled = false;
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, options.maxBatch);
      inFlight += 1;
      let pending: Promise<Array<O | Error>>;
      try {
        pending = run(batch.map((call) => call.input));
      } catch (err) {
        pending = Promise.reject(err);
      }
      // The next batch (the calls that arrived meanwhile) is sent before this one's callers are
      // answered: their answers (HTTP responses) are then written while the database works on it,
      // instead of the database waiting for them.
      const finished = (): void => {
        inFlight -= 1;
        start();
        settleIdle();
      };
      pending.then(
        (results) => {
          finished();
          batch.forEach((call, i) => {
            const result = results[i];
            if (result instanceof Error) call.reject(result);
            else if (i >= results.length) call.reject(new Error('coalesce: no result for this call'));
            else call.resolve(result as O);
          });
        },
        (err: unknown) => {
          finished();
          batch.forEach((call) => call.reject(err));
        },
      );
    }
  };

  // Calls made in the same turn of the event loop (requests parsed from one socket read) go
  // together; setImmediate runs right after the current I/O callbacks, so nothing waits on a timer.
  const schedule = (): void => {
    if (scheduled || queue.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(start);
  };

  const call = (input: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
  return Object.assign(call, {
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
  });
}

/** A coalesced call; `idle()` resolves once no call is queued and no batch is in flight. */
export type Coalesced<I, O> = ((input: I) => Promise<O>) & { idle(): Promise<void> };
