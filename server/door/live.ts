// The live log: every server LISTENs to the database's entry channel and forwards each scan to
// its connected front-desk pages as server-sent events. A scan recorded by any server reaches the
// pages of every server, because the fan-out goes through PostgreSQL, not process memory.
import type { Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { ENTRY_CHANNEL } from './scan.js';
import { toRfc3339 } from '../shared/time.js';
import { SESSION_END_CHANNEL, sessionIsLive } from '../auth/authenticate.js';
import { ServiceUnavailableError } from '../errors.js';

/**
 * Door alarms (issue 20), announced by the doors module in the transaction that raises or
 * acknowledges one: carried on the same streams as `event: alarm`, so a forced door is on every
 * desk of every server at once (the desk then reads the alarms; its poll is only the fallback).
 */
export const DOOR_ALARM_CHANNEL = 'tachiai_door_alarms';

type Client = (event: Record<string, unknown>, type: 'entry' | 'alarm') => void;

interface Feed {
  /** The server is shutting down: every stream has ended and none starts. */
  draining: boolean;
  clients: Set<Client>;
  ready: Promise<() => Promise<void>> | null;
  alarmsReady: Promise<() => Promise<void>> | null;
  /** The streams of each session, closed the moment the session ends on any server. */
  bySession: Map<string, Set<() => void>>;
  sessionsReady: Promise<() => Promise<void>> | null;
  drain(): void;
  stop(): Promise<void>;
  health(): { state: 'running' | 'stopped' };
}

/** This context's live feed (its `door.live` worker): the LISTENs, and the streams it serves. */
function feedFor(app: AppContext): Feed {
  return app.workers.use('door.live', () => {
    let stopped = false;
    const feed: Feed = {
      draining: false,
      clients: new Set(),
      ready: null,
      alarmsReady: null,
      bySession: new Map(),
      sessionsReady: null,
      // Graceful shutdown, as soon as the server stops accepting: every stream ends at once (its
      // client reconnects, to another server), so that no open stream holds the shutdown up.
      drain() {
        feed.draining = true;
        for (const ends of [...feed.bySession.values()]) for (const end of [...ends]) end();
      },
      async stop() {
        stopped = true;
        // Every stream ends (its client reconnects to another server); then the LISTENs go.
        feed.drain();
        for (const listening of [feed.ready, feed.alarmsReady, feed.sessionsReady]) {
          const unlisten = await listening?.catch(() => null);
          await unlisten?.().catch(() => undefined);
        }
      },
      health: () => ({ state: stopped ? 'stopped' : 'running' }),
    };
    return feed;
  });
}

async function subscribe(app: AppContext, client: Client): Promise<() => void> {
  const feed = feedFor(app);
  feed.clients.add(client);
  if (!feed.ready) {
    feed.ready = app.db.listen(ENTRY_CHANNEL, (payload) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(payload) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof event.at === 'string') event.at = toRfc3339(new Date(event.at), app.config.displayTimeZone);
      for (const c of feed.clients) c(event, 'entry');
    });
    feed.ready.catch(() => {
      feed.ready = null;
    });
  }
  if (!feed.alarmsReady) {
    feed.alarmsReady = app.db.listen(DOOR_ALARM_CHANNEL, (payload) => {
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(payload) as Record<string, unknown>;
      } catch {
        return;
      }
      for (const c of feed.clients) c(event, 'alarm');
    });
    feed.alarmsReady.catch(() => {
      feed.alarmsReady = null;
    });
  }
  await Promise.all([feed.ready, feed.alarmsReady]);
  return () => {
    feed.clients.delete(client);
  };
}

/**
 * Registers `close` as a stream of `sessionId`: it runs as soon as the database announces that the
 * session ended — sign-out or a person leaving, on any server (security review, finding 9).
 */
async function watchSession(app: AppContext, sessionId: string, close: () => void): Promise<() => void> {
  const feed = feedFor(app);
  let set = feed.bySession.get(sessionId);
  if (!set) {
    set = new Set();
    feed.bySession.set(sessionId, set);
  }
  set.add(close);
  if (!feed.sessionsReady) {
    feed.sessionsReady = app.db.listen(SESSION_END_CHANNEL, (payload) => {
      for (const id of payload.split(',')) {
        for (const end of feed.bySession.get(id) ?? []) end();
      }
    });
    feed.sessionsReady.catch(() => {
      feed.sessionsReady = null;
    });
  }
  await feed.sessionsReady;
  return () => {
    const current = feed.bySession.get(sessionId);
    current?.delete(close);
    if (current && current.size === 0) feed.bySession.delete(sessionId);
  };
}

const HEARTBEAT_MS = 15_000;
/** Idle sessions (E3.6) announce nothing: each stream checks its session this often. */
const SESSION_CHECK_MS = 5_000;

/** Streams entries as `event: entry` (and door alarms as `event: alarm`) server-sent events until the client leaves or the session ends. */
export async function streamEntries(app: AppContext, req: Request, res: Response, sessionId: string, roomId?: string): Promise<void> {
  // A server shutting down starts no stream: the client tries again (another server, or this one restarted).
  if (feedFor(app).draining) throw new ServiceUnavailableError('This server is shutting down. Please try again shortly.');
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  let closed = false;
  let unsubscribe: () => void = () => undefined;
  let unwatch: () => void = () => undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let sessionCheck: NodeJS.Timeout | undefined;
  // Registered before waiting for LISTEN, so a client that leaves meanwhile is still cleaned up.
  req.on('close', () => close());
  unwatch = await watchSession(app, sessionId, () => close());
  unsubscribe = await subscribe(app, (event, type) => {
    if (roomId && event.roomId !== roomId) return;
    res.write(`event: ${type}\ndata: ${JSON.stringify(event)}\n\n`);
  });
  if (closed) {
    unsubscribe();
    unwatch();
    return;
  }
  // Only now is the LISTEN in place: from this line on, every scan reaches this client.
  res.write('retry: 2000\n: connected\n\n');
  heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  // A stream must not outlive its session (E3.4, E3.6): check it and close when it ended.
  sessionCheck = setInterval(async () => {
    try {
      if (!(await sessionIsLive(app, sessionId))) close();
    } catch {
      /* database briefly unavailable: keep the stream, check again later */
    }
  }, SESSION_CHECK_MS);
  function close() {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearInterval(sessionCheck);
    unsubscribe();
    unwatch();
    res.end();
  }
}
