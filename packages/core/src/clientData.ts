import { z } from 'zod';
import { isObject } from './_isObject.ts';
import { parseOrThrow } from './_zod.ts';
import { TesseraError } from './errors.ts';

/** Largest `clientDataJSON` (WebAuthn L3 §5.8.1) accepted, in bytes; browsers send a few hundred. */
export const MAX_CLIENT_DATA_JSON_BYTES = 65_536;

/**
 * Schema of `CollectedClientData` (WebAuthn L3 §5.8.1) after `JSON.parse`: the members the verifier reads,
 * with their JSON types. Only the shape is checked; `type`, `challenge` and `origin` are compared by the
 * verifier, which reports each with its own code. Other members are kept (browsers add some, such as
 * `androidPackageName`), since §5.8.1.2 forbids matching the JSON against a template.
 */
export const collectedClientDataSchema: z.ZodObject<
  {
    type: z.ZodString;
    challenge: z.ZodString;
    origin: z.ZodString;
    crossOrigin: z.ZodOptional<z.ZodBoolean>;
    topOrigin: z.ZodOptional<z.ZodString>;
    tokenBinding: z.ZodOptional<
      z.ZodNullable<z.ZodObject<{ status: z.ZodString; id: z.ZodOptional<z.ZodString> }, z.core.$loose>>
    >;
  },
  z.core.$loose
> = z.looseObject({
  type: z.string(),
  challenge: z.string(),
  origin: z.string(),
  crossOrigin: z.boolean().optional(),
  topOrigin: z.string().optional(),
  // [RESERVED] in L3 (§5.8.1) and read by nothing here. Some clients sent `null` for "absent" (a software
  // token's registration captured in tweag/webauthn's tests); SimpleWebAuthn accepts it, so `null` is accepted.
  tokenBinding: z.looseObject({ status: z.string(), id: z.string().optional() }).nullish(),
});

/** `CollectedClientData` (WebAuthn L3 §5.8.1); see {@link collectedClientDataSchema}. */
export type CollectedClientData = z.output<typeof collectedClientDataSchema>;

/** A UTF-8 byte order mark, which `clientDataJSON` never starts with (§5.8.1.2 serialises without one). */
const BYTE_ORDER_MARK = [0xef, 0xbb, 0xbf] as const;

/**
 * Parses `clientDataJSON` (WebAuthn L3 §5.2 `AuthenticatorResponse.clientDataJSON`, §5.8.1): strict UTF-8,
 * then JSON, then {@link collectedClientDataSchema}. The bytes themselves are what gets hashed; this only
 * reads them.
 *
 * @param bytes - the `clientDataJSON` bytes, as decoded from base64url
 * @returns the collected client data, unknown members included
 * @throws {TesseraError} `malformed_response` if the bytes are empty, over {@link MAX_CLIENT_DATA_JSON_BYTES},
 *   start with a byte order mark, are not UTF-8, are not JSON, or do not have the shape of §5.8.1
 * @example
 * ```ts
 * const clientData = parseClientDataJSON(base64url.decode(response.response.clientDataJSON));
 * clientData.type; // 'webauthn.get'
 * ```
 */
export function parseClientDataJSON(bytes: Uint8Array): CollectedClientData {
  if (bytes.length === 0) fail('empty');
  if (bytes.length > MAX_CLIENT_DATA_JSON_BYTES) fail(`larger than ${MAX_CLIENT_DATA_JSON_BYTES} bytes`);
  if (startsWithByteOrderMark(bytes)) fail('starts with a byte order mark');
  const json = parseJSON(decodeUtf8(bytes));
  // The schema's rules, checked by hand first (zod costs about 0.15 µs of each sign-in); zod explains a failure.
  if (hasCollectedClientDataShape(json)) return json;
  return parseOrThrow(collectedClientDataSchema, json, 'malformed_response', 'client data JSON');
}

const isOptional = (value: unknown, type: 'string' | 'boolean'): boolean => value === undefined || typeof value === type;

/**
 * Whether parsed JSON passes {@link collectedClientDataSchema}, which then returns it with the same members (the
 * schema keeps unknown ones). Tests prove the two agree.
 *
 * @internal exported for tests only (not from index.ts)
 */
export function hasCollectedClientDataShape(json: unknown): json is CollectedClientData {
  if (!isObject(json)) return false;
  const { tokenBinding } = json;
  return (
    typeof json['type'] === 'string' &&
    typeof json['challenge'] === 'string' &&
    typeof json['origin'] === 'string' &&
    isOptional(json['crossOrigin'], 'boolean') &&
    isOptional(json['topOrigin'], 'string') &&
    (tokenBinding === undefined || tokenBinding === null || (isObject(tokenBinding) && typeof tokenBinding['status'] === 'string' && isOptional(tokenBinding['id'], 'string')))
  );
}

function startsWithByteOrderMark(bytes: Uint8Array): boolean {
  return BYTE_ORDER_MARK.every((byte, index) => bytes[index] === byte);
}

/**
 * One strict decoder for every call: a TextDecoder keeps no state between non-streaming `decode` calls.
 * ignoreBOM: false would strip a byte order mark silently; the caller has already rejected one.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (error) {
    return fail('not valid UTF-8', error);
  }
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // The SyntaxError quotes the text; it stays in `cause`, out of the message.
    return fail('not valid JSON', error);
  }
}

function fail(problem: string, cause?: unknown): never {
  throw new TesseraError(
    'malformed_response',
    `Malformed client data JSON: ${problem}.`,
    cause === undefined ? undefined : { cause },
  );
}
