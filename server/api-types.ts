import type { z } from 'zod';
import type { badgeSchema, badgeEventSchema } from './badges/schemas.js';
import type { mediumSchema, locationSchema, custodyStepSchema } from './media/schemas.js';
import type { personSchema, orgSchema } from './people/schemas.js';
import type { signatureSchema, recordSummarySchema } from './signatures/schemas.js';
export type Badge = z.output<typeof badgeSchema>;
