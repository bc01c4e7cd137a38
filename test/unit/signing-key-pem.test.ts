// A signing key the operator gives (SIGNING_KEY, SIGNING_KEY_NEXT, or the secrets directory's file)
// that cannot be used is a configuration error naming where it came from — the command says it in
// one line and exits 2 (scripts/cli.ts) — never OpenSSL's stack trace, and never the key itself.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../server/config.js';
import { signingKeysFromPem } from '../../server/secrets.js';

const pemOf = (key: crypto.KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('signingKeysFromPem', () => {
  it('reads an Ed25519 PEM', () => {
    expect(signingKeysFromPem(pemOf(crypto.generateKeyPairSync('ed25519').privateKey)).keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a PEM flattened onto one line, naming where it came from, without the key', () => {
    const flattened = pemOf(crypto.generateKeyPairSync('ed25519').privateKey).replace(/\n/g, ' ');
    const refusal = (() => {
      try {
        signingKeysFromPem(flattened, 'SIGNING_KEY_NEXT');
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal!.message).toMatch(/^SIGNING_KEY_NEXT is not a readable private key in PEM form .*keep the PEM's line breaks/);
    expect(refusal!.message).not.toContain(flattened.split(' ')[3]!);
  });

  it('refuses a key of another kind, saying which', () => {
    const rsa = pemOf(crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
    expect(() => signingKeysFromPem(rsa, '/srv/tachiai/secrets/signing-key.pem')).toThrow(ConfigError);
    expect(() => signingKeysFromPem(rsa, '/srv/tachiai/secrets/signing-key.pem')).toThrow(/^\/srv\/tachiai\/secrets\/signing-key\.pem must be an Ed25519 private key \(PEM\); it is rsa\.$/);
  });
});
