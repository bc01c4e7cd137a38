// The witness's HTTP server (`tachiai witness`, issue 19 item 5): POST <prefix>/add-checkpoint
// as c2sp.org/tlog-witness says; anything else 404. Bodies over MAX_WITNESS_BODY are refused (400)
// without reading them further.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_WITNESS_BODY, type Witness } from './witness.js';

export interface RunningWitness {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

export async function startWitnessServer(witness: Witness, options: { host?: string; port?: number } = {}): Promise<RunningWitness> {
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/add-checkpoint') return answer(404, 'not found\n');
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_WITNESS_BODY) {
        refused = true;
        answer(400, 'request body too large\n');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      witness.addCheckpoint(Buffer.concat(chunks)).then(
        (a) => answer(a.status, a.body, a.contentType),
        () => answer(500, 'internal error\n'),
      );
    });
    req.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve()));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
