// The deployment files (issue 17, item 8) are checked with what this machine has: the compose file
// parses as YAML (python3's yaml, when present) and says what the docs promise; the systemd unit
// passes `systemd-analyze verify` (when present); the Dockerfile runs as a non-root user with its
// data on a volume. Building the image and running the compose file need a Docker daemon: not here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEPLOY = fileURLToPath(new URL('../../docs/deploy/', import.meta.url));
const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

describe('deployment files', () => {
  it.runIf(has('python3', ['-c', 'import yaml']))('compose.yaml: PostgreSQL and two servers behind a proxy, sharing their settings and secrets, each with its own data volume', () => {
    const out = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(DEPLOY, 'compose.yaml')], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const compose = JSON.parse(out.stdout) as { services: Record<string, Record<string, unknown>> };
    expect(Object.keys(compose.services).sort()).toEqual(['postgres', 'proxy', 'tachiai-1', 'tachiai-2']);
    const [a, b] = [compose.services['tachiai-1']!, compose.services['tachiai-2']!];
    expect(a.env_file).toBe('tachiai.env');
    expect(b.env_file).toBe(a.env_file);
    expect(b.secrets).toEqual(a.secrets);
    expect(a.volumes).not.toEqual(b.volumes);
    expect(a.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    expect(fs.readFileSync(path.join(DEPLOY, 'nginx.conf'), 'utf8')).toMatch(/server tachiai-1:3000[^;]*;\s*server tachiai-2:3000/);
    const env = fs.readFileSync(path.join(DEPLOY, 'tachiai.env.example'), 'utf8');
    for (const name of ['DATABASE_URL', 'JWT_SECRET', 'BADGE_SECRET', 'PIN_PEPPER', 'BACKUP_KEY']) expect(env).toMatch(new RegExp(`^${name}=`, 'm'));
  });

  it.runIf(has('systemd-analyze', ['--version']))('tachiai.service passes systemd-analyze verify', () => {
    const out = spawnSync('systemd-analyze', ['verify', '--man=no', path.join(DEPLOY, 'tachiai.service')], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stderr.trim()).toBe('');
  });

  it('the Dockerfile: Node 20 slim, production dependencies only, not root, data on a volume, stopped with SIGTERM', () => {
    const file = fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    expect(file).toMatch(/^FROM node:20-[a-z]+-slim$/m);
    expect(file).toMatch(/npm ci --omit=dev/);
    expect(file).toMatch(/^USER node$/m);
    expect(file).toMatch(/^VOLUME \["\/var\/lib\/tachiai"\]$/m);
    expect(file).toMatch(/^STOPSIGNAL SIGTERM$/m);
    // Only what the image needs reaches the build (BuildKit reads <Dockerfile>.dockerignore).
    expect(fs.readFileSync(path.join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8')).toMatch(/^\*$/m);
  });
});
