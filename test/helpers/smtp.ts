// A real SMTP server in the test process (smtp-server), whose received mail is parsed by
// mailparser. Its behaviour can be switched: accept, refuse with a 4xx or 5xx reply after the
// message (so the refused attempt's Message-ID is known), or hang until the client gives up.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export type SmtpMode = 'accept' | 'refuse-4xx' | 'refuse-5xx' | 'hang';

export interface Received {
  envelope: { from: string; to: string[] };
  raw: string;
  mail: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  mode: SmtpMode;
  received: Received[];
  /** Message-IDs of messages refused or left hanging (what reached the server, not delivered). */
  refused: string[];
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const state: TestSmtp = {
    url: '',
    port: 0,
    mode: 'accept',
    received: [],
    refused: [],
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (state.received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} mail(s), received ${state.received.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return state.received;
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 500,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const messageId = /^Message-ID:\s*(<[^>]+>)/im.exec(raw)?.[1] ?? '';
        const mode = state.mode;
        if (mode === 'hang') {
          state.refused.push(messageId);
          return; // never answer: the client times out
        }
        if (mode === 'refuse-4xx' || mode === 'refuse-5xx') {
          state.refused.push(messageId);
          const err = Object.assign(new Error(mode === 'refuse-4xx' ? 'Try again later (test)' : 'Mailbox unavailable (test)'), { responseCode: mode === 'refuse-4xx' ? 451 : 550 });
          callback(err);
          return;
        }
        void simpleParser(raw).then((mail) => {
          state.received.push({
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
            raw,
            mail,
          });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.server.address() as AddressInfo).port;
  state.url = `smtp://127.0.0.1:${state.port}`;
  return state;
}
