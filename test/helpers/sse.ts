// A reader of server-sent events (the live log's GET /api/entries/live) from fetch(), for tests.

/** Reads the events of `url` with the bearer token `t`; `: connected` counts as an event named connected. */
export function readEvents(url: string, t: string) {
  const ac = new AbortController();
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  let buffer = '';
  let wake: (() => void) | null = null;
  let endedAt: number | null = null;
  const ready = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${t}`, accept: 'text/event-stream' }, signal: ac.signal });
    return res;
  })();
  const pump = ready.then(async (res) => {
    if (!res.ok || !res.body) return;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          endedAt = Date.now();
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trim());
          }
          if (data.length > 0) events.push({ event, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
          else if (block.includes(': connected')) events.push({ event: 'connected', data: {} });
          wake?.();
        }
      }
    } catch {
      /* aborted */
    }
  });
  return {
    response: ready,
    events,
    /** When the server ended the stream (null while it is open). */
    endedAt: () => endedAt,
    /** Waits until the server ends the stream, or the time is up; true when it ended. */
    async waitForEnd(ms: number) {
      await Promise.race([pump, new Promise((r) => setTimeout(r, ms))]);
      return endedAt !== null;
    },
    /** Waits until an event matches, or the time is up (then null). */
    async waitFor(pred: (e: { event: string; data: Record<string, unknown> }) => boolean, ms = 3000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) return null;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      ac.abort();
      await pump.catch(() => undefined);
    },
  };
}
