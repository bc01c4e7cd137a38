// Delivering the outbox (issue 15). Every server runs this worker: it claims due notices with a
// lease (FOR UPDATE SKIP LOCKED — two servers never claim the same row while its lease lasts),
// sends each through SMTP (nodemailer; STARTTLS and authentication as SMTP_URL says), and marks
// it sent — or records the failure and tries again later, doubling the wait, until the last
// attempt marks it failed (shown on the outbox page, and it can be tried again). Delivery is at
// least once: a server that dies after sending but before marking leaves the row to be sent again
// after its lease, with the same Message-ID, which mail clients show once. Without SMTP_URL the
// worker does not run and notices wait, listed.
import crypto from 'node:crypto';
import os from 'node:os';
import nodemailer from 'nodemailer';
import type { AppContext } from '../context.js';
import { appendJournal } from '../journal/journal.js';
import { periodic, type Worker } from '../workers.js';
import { retryDelaySeconds } from './rules.js';
import type { NoticeRow } from './service.js';

const BATCH = 20;

type Transport = ReturnType<typeof nodemailer.createTransport>;

/** The SMTP transport of this context (one per server; closed with the other workers). */
function transportOf(app: AppContext): Transport {
  return app.workers.use('notices.smtp', () => {
    const timeout = app.config.smtpTimeoutSeconds * 1000;
    const transport = nodemailer.createTransport({ url: app.config.smtpUrl, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout });
    return Object.assign(transport, { stop: () => transport.close() });
  });
}

/** An SMTP error in one line, without the server's reply beyond its first line (never a stack). */
function describe(err: unknown): string {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const first = String(e.message ?? err).split(/\r?\n/)[0]!.slice(0, 300);
  return [e.responseCode ? `SMTP ${e.responseCode}` : e.code, first].filter(Boolean).join(': ');
}

/**
 * Claims and sends what is due now; answers how many were sent and how many failed. `worker`
 * names this server's claims (leases).
 */
export async function deliverDueNotices(app: AppContext, worker: string): Promise<{ sent: number; failed: number }> {
  if (!app.config.smtpUrl || !app.config.mailFrom) return { sent: 0, failed: 0 };
  const knex = app.db.knex;
  const leaseSeconds = app.config.smtpTimeoutSeconds * 3 + 30;
  const { rows } = await knex.raw(
    `UPDATE notices SET lease_until = now() + make_interval(secs => ?), leased_by = ?, attempts = attempts + 1
      WHERE id IN (SELECT id FROM notices
                    WHERE status = 'queued' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY next_attempt_at, id
                    LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [leaseSeconds, worker, BATCH],
  );
  const claimed = rows as NoticeRow[];
  if (claimed.length === 0) return { sent: 0, failed: 0 };
  const transport = transportOf(app);
  let sent = 0;
  let failed = 0;
  for (const n of claimed) {
    try {
      await transport.sendMail({
        from: app.config.mailFrom,
        to: { name: n.recipient_name, address: n.recipient_email },
        subject: n.subject,
        text: n.body_text,
        messageId: n.message_id,
        date: n.created_at,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Tachiai-Notice': n.kind },
      });
    } catch (err) {
      failed++;
      const error = describe(err);
      await knex.transaction(async (trx) => {
        const [after] = (await trx('notices')
          .where({ id: n.id, leased_by: worker, status: 'queued' })
          .update({
            lease_until: null,
            last_error: error,
            status: n.attempts >= app.config.noticeMaxAttempts ? 'failed' : 'queued',
            failed_at: n.attempts >= app.config.noticeMaxAttempts ? trx.fn.now() : null,
            next_attempt_at: trx.raw('now() + make_interval(secs => ?)', [retryDelaySeconds(n.attempts, app.config.noticeRetrySeconds)]),
          })
          .returning(['status', 'next_attempt_at'])) as Array<{ status: string; next_attempt_at: Date }>;
        if (!after) return; // the lease ran out and another server has it now
        await appendJournal(trx, {
          actor: `system:notices:${worker}`,
          action: after.status === 'failed' ? 'notices.failed' : 'notices.attempt_failed',
          subject: `notice:${n.id}`,
          payload: { attempt: n.attempts, error, ...(after.status === 'queued' ? { nextAttemptAt: after.next_attempt_at.toISOString() } : {}) },
        });
      });
      continue;
    }
    sent++;
    await knex.transaction(async (trx) => {
      const marked = await trx('notices').where({ id: n.id, leased_by: worker, status: 'queued' }).update({ status: 'sent', sent_at: trx.fn.now(), lease_until: null, last_error: null });
      // Marked only by the lease holder; if the lease ran out meanwhile, the other holder marks it.
      if (marked) await appendJournal(trx, { actor: `system:notices:${worker}`, action: 'notices.sent', subject: `notice:${n.id}`, payload: { attempt: n.attempts, messageId: n.message_id } });
    });
  }
  return { sent, failed };
}

/** The delivery worker of a server: every NOTICE_POLL_MS, while SMTP is configured. */
export function noticeDeliveryWorker(app: AppContext): Worker {
  const worker = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  return periodic(app.config.noticePollMs, () => deliverDueNotices(app, worker), app.logger, 'notice delivery');
}
