// Small helpers shared by the API test files.
import type request from 'supertest';
import { expect } from 'vitest';

export const DAY = 86_400_000;

/** ISO time `msFromNow` milliseconds from now (negative: in the past). */
export const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Asserts the status (showing the body when it differs) and returns the body. */
export async function ok(res: request.Response, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
