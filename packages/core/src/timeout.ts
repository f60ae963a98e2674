import { z } from 'zod';

/**
 * Default ceremony timeout: 300000 ms (5 minutes), the default WebAuthn L3 §15.1 recommends ("Recommended
 * Range for Ceremony Timeouts": 300000–600000 ms), long enough for users of assistive technology.
 */
export const DEFAULT_TIMEOUT_MS = 300_000;
/** Shortest timeout accepted, 1 second; shorter ones cannot be completed by a person. */
export const MIN_TIMEOUT_MS = 1_000;
/** Longest timeout accepted, 1 hour; a challenge should not stay redeemable for longer. */
export const MAX_TIMEOUT_MS = 3_600_000;

/** Schema of a ceremony timeout in milliseconds (WebAuthn L3 §5.5 `timeout`, §15.1): an integer from 1 s to 1 h. */
export const timeoutSchema: z.ZodNumber = z
  .number()
  .int('timeout must be a whole number of milliseconds')
  .min(MIN_TIMEOUT_MS, `timeout must be at least ${MIN_TIMEOUT_MS} ms`)
  .max(MAX_TIMEOUT_MS, `timeout must be at most ${MAX_TIMEOUT_MS} ms`);
