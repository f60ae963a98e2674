/**
 * Every error code `@tessera/core` can raise, in one place. Branch on `error.code`, never on
 * `error.message`: messages are for people and may change, codes are API.
 *
 * Adapters map each code to their envelope through a `Record<TesseraErrorCode, …>`, so a code added here
 * fails their build until it is mapped.
 */
export const TESSERA_ERROR_CODES = [
  /** Text that should be canonical unpadded base64url (RFC 4648 §5) is not. */
  'invalid_base64url',
  /** A function argument is outside its documented range (a challenge size, a TTL, a store option). */
  'invalid_argument',
  /** Input to an options builder fails its schema (WebAuthn L3 §5.5 and the descriptors, hints and extensions in it). */
  'invalid_options',
  /** A transport outside WebAuthn L3 §5.8.4 was given while `transportPolicy` is `'strict'`. */
  'unknown_transport',
  /** The relying-party configuration given to `createRelyingParty` fails its schema. */
  'invalid_config',
  /** A challenge store was asked to save a record under a key that already holds a live record. */
  'challenge_store_conflict',
] as const;

/** One of {@link TESSERA_ERROR_CODES}. */
export type TesseraErrorCode = (typeof TESSERA_ERROR_CODES)[number];

/** Options for {@link TesseraError}, beyond its code and message. */
export interface TesseraErrorOptions {
  /** The underlying error or value, for logs (for example a `ZodError`); never sent to clients by adapters. */
  cause?: unknown;
}

/**
 * The single error class of Tessera. Every failure the library detects is thrown (or rejected) as a
 * `TesseraError` with a stable {@link TesseraErrorCode}; anything else that escapes is a bug.
 *
 * Messages never contain secret bytes: no challenge, key, signature or ticket value is ever interpolated.
 *
 * @example
 * ```ts
 * try {
 *   buildAuthenticationOptions({ rpId: 'Example.com' });
 * } catch (error) {
 *   if (isTesseraError(error) && error.code === 'invalid_options') console.warn(error.message);
 * }
 * ```
 */
export class TesseraError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: TesseraErrorCode;

  /**
   * @param code - the stable reason, one of {@link TESSERA_ERROR_CODES}
   * @param message - a human sentence without secret bytes
   * @param options - `cause` for logs
   */
  constructor(code: TesseraErrorCode, message: string, options?: TesseraErrorOptions) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
  }
}

/**
 * Narrows an unknown caught value to a {@link TesseraError}, optionally of one code.
 *
 * Works across duplicated copies of the package (it checks the shape, not the prototype).
 *
 * @param value - anything caught
 * @param code - if given, also require this code
 * @returns whether `value` is a `TesseraError` (with that code)
 */
export function isTesseraError(value: unknown, code?: TesseraErrorCode): value is TesseraError {
  if (!(value instanceof Error) || value.name !== 'TesseraError') return false;
  const actual = (value as { code?: unknown }).code;
  if (typeof actual !== 'string' || !(TESSERA_ERROR_CODES as readonly string[]).includes(actual)) return false;
  return code === undefined || actual === code;
}
