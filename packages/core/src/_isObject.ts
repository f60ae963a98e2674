/**
 * Whether `value` is an object that JSON could have made into `{…}`: not `null`, not an array. What zod's
 * `z.object` and `z.looseObject` require before reading members; the hand-written shape checks use it.
 *
 * @internal
 */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
