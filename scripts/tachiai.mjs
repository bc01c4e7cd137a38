#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=50
// Entry point of `npx tachiai …` and `npm start`: runs the TypeScript sources through tsx,
// so a fresh clone needs only `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
