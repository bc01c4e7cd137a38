import type { Request } from 'express';

/** A client address as the access log and sign-in records keep it (IPv4-mapped IPv6 as plain IPv4). */
export function normaliseIp(ip: string | undefined | null): string | null {
  return ip ? ip.replace(/^::ffff:/, '') : null;
}

/** The client's address as Express sees it (honours TRUST_PROXY when configured). */
export function clientIp(req: Request): string | null {
  return normaliseIp(req.ip ?? req.socket.remoteAddress);
}
