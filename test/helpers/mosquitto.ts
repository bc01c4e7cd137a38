// A real Mosquitto broker for one test file: its own configuration in a temp directory, on a free
// loopback port; anonymous access, or (dynsec: true) only the accounts of the dynamic-security
// plugin, starting with one administrator (Tachiai's own account) allowed to send door commands. Stopped (and its directory removed) by close(); restart() stops and starts it on the
// same port, keeping its persistence file, like a broker restart in production.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';
export const hasMosquitto = fs.existsSync(MOSQUITTO);
export const hasDynsec = hasMosquitto && fs.existsSync(DYNSEC_PLUGIN) && fs.existsSync('/usr/bin/mosquitto_ctrl');

export interface TestBroker {
  url: string;
  port: number;
  dir: string;
  /** With dynsec: the administrator's account (Tachiai's MQTT_USERNAME / MQTT_PASSWORD). */
  admin?: { username: string; password: string };
  /** With tls: the PEM file of the CA that signed the broker's certificate (made here with openssl). */
  caFile?: string;
  /** Stops the broker (SIGTERM; it writes its persistence file). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`mosquitto exited (${proc.exitCode}): ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}: ${log()}`);
}

/** A CA and a certificate for 127.0.0.1 signed by it, made with openssl in `dir` (P-256 keys: quick). */
export function makeTestCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Tachiai test CA');
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('server.ext'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

export async function startTestBroker(options: { dynsec?: boolean; tls?: boolean } = {}): Promise<TestBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tachiai-mosquitto-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  let admin: TestBroker['admin'];
  const dynsecLines: string[] = [];
  if (options.dynsec) {
    admin = { username: 'tachiai', password: crypto.randomBytes(18).toString('base64url') };
    const file = path.join(dir, 'dynsec.json');
    execFileSync('/usr/bin/mosquitto_ctrl', ['dynsec', 'init', file, admin.username, admin.password], { stdio: 'ignore' });
    // The plugin's administrator may also send the door commands (docs/operations.md).
    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as { roles: Array<{ rolename: string; acls: unknown[] }> };
    config.roles.find((r) => r.rolename === 'admin')!.acls.push({ acltype: 'publishClientSend', topic: 'tachiai/+/doors/+/command', allow: true });
    fs.writeFileSync(file, JSON.stringify(config));
    dynsecLines.push(`plugin ${DYNSEC_PLUGIN}`, `plugin_opt_config_file ${file}`);
  }
  const certs = options.tls ? makeTestCertificates(dir) : null;
  fs.writeFileSync(
    conf,
    [
      'per_listener_settings false',
      `allow_anonymous ${options.dynsec ? 'false' : 'true'}`,
      ...dynsecLines,
      // Run as root (CI containers), mosquitto would switch to its own user and could not write here.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} 127.0.0.1`,
      ...(certs ? [`cafile ${certs.ca}`, `certfile ${certs.cert}`, `keyfile ${certs.key}`] : []),
      // As docs/operations.md asks of a production broker: small door messages go out at once
      // (without it, Nagle's algorithm against delayed ACKs holds a command back ~40 ms).
      'set_tcp_nodelay true',
      'persistence true',
      `persistence_location ${dir}/`,
      `log_dest file ${dir}/mosquitto.log`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'max_packet_size 65536',
      '',
    ].join('\n'),
  );
  let proc: ChildProcess | null = null;
  const log = () => {
    try {
      return fs.readFileSync(path.join(dir, 'mosquitto.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  };
  const broker: TestBroker = {
    url: `${certs ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    ...(certs ? { caFile: certs.ca } : {}),
    port,
    dir,
    ...(admin ? { admin } : {}),
    async start() {
      const p = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
      proc = p;
      await waitForPort(port, 10_000, p, log);
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      });
    },
    async close() {
      await broker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
