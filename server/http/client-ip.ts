import type { Request } from 'express';

/** The client's address as Express sees it (honours TRUST_PROXY when configured). */
export function clientIp(req: Request): string | null {
  const ip = req.ip ?? req.socket.remoteAddress ?? null;
  return ip ? ip.replace(/^::ffff:/, '') : null;
}
