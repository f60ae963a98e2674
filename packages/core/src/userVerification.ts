import { z } from 'zod';

/** The values of WebAuthn L3 §5.8.6 `UserVerificationRequirement`. */
export const USER_VERIFICATION_REQUIREMENTS = ['required', 'preferred', 'discouraged'] as const;

/** One of {@link USER_VERIFICATION_REQUIREMENTS}. */
export type UserVerificationRequirement = (typeof USER_VERIFICATION_REQUIREMENTS)[number];

/** Schema of a user verification requirement (WebAuthn L3 §5.8.6). */
export const userVerificationRequirementSchema: z.ZodEnum<{ [R in UserVerificationRequirement]: R }> =
  z.enum(USER_VERIFICATION_REQUIREMENTS);
