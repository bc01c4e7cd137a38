// The world of the page tests over a custody site (test/web/custody, destruction, receive): a server
// with fast PIN hashing, Debian's Chromium, the custody site (test/helpers/custody.ts), the person
// at the front desk who records (an authorized person, 権限者), and people let into the room
// through the door, because presence is proven by the door log.
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { startTestServer, type TestServer, type TestUser } from './server.js';
import { custodySite, type CustodySite, type SitePerson } from './custody.js';

type PersonSpec = readonly [name: string, roles: string[], opts?: { orgId?: string }];

export interface DeskWorld {
  server: TestServer;
  browser: Browser;
  site: CustodySite;
  desk: TestUser;
  /** People with badges on the room's access list, let in through the door, in the order given. */
  inside<const T extends readonly PersonSpec[]>(people: T): Promise<{ -readonly [K in keyof T]: SitePerson }>;
  close(): Promise<void>;
}

export async function startDeskWorld(): Promise<DeskWorld> {
  const [server, browser] = await Promise.all([startTestServer({ scryptCost: 1024 }), launchBrowser()]);
  const site = await custodySite(server);
  const desk = await server.createUser({ roles: ['authorized'], name: '受付 権限', password: 'Gk7#vQ2$mX9p' });
  return {
    server,
    browser,
    site,
    desk,
    async inside<const T extends readonly PersonSpec[]>(people: T) {
      const made: SitePerson[] = [];
      for (const [name, roles, opts] of people) made.push(await site.person(name, [...roles], opts));
      for (const p of made) await site.enter(p);
      return made as { -readonly [K in keyof T]: SitePerson };
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
