// The operating-system user running a command, for the journal: os.userInfo() throws where the
// user has no passwd entry (containers run with an arbitrary uid), so it falls back to $USER.
import os from 'node:os';

export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
