import { isObject } from './_isObject.ts';
import { MAX_AUTHENTICATOR_DATA_BYTES } from './authenticatorData.ts';
import { base64urlByteLength, isBase64url } from './base64url.ts';
import { MAX_CLIENT_DATA_JSON_BYTES } from './clientData.ts';
import { MAX_CREDENTIAL_ID_BYTES } from './credentialDescriptor.ts';
import { MAX_SIGNATURE_BYTES, type AuthenticationResponseJSON } from './responseJSON.ts';
import { MAX_USER_HANDLE_BYTES } from './userHandle.ts';

/*
 * The usual `AuthenticationResponseJSON` (WebAuthn L3 §5.1), recognised by hand on the sign-in path: a few type
 * and size checks instead of a zod parse (about 0.3 µs and a dozen objects less per sign-in). It only ever says
 * "this is the usual case, and here is what `authenticationResponseShapeSchema` would return"; anything else
 * (an unknown member's absence aside, any doubt at all) answers `undefined`, and the schema decides and
 * explains. Tests prove the two agree on generated responses.
 */


/** Canonical base64url of `min`–`max` bytes, as `base64urlBytesSchema` requires. */
function isBase64urlOfSize(value: unknown, min: number, max: number): value is string {
  if (typeof value !== 'string' || !isBase64url(value)) return false;
  const size = base64urlByteLength(value);
  return size >= min && size <= max;
}

/** A string of `min`–`max` bytes once decoded, as `base64urlDecodedLaterSchema` requires (its characters are checked when decoded). */
function isDecodedLater(value: unknown, min: number, max: number): value is string {
  if (typeof value !== 'string' || value.length % 4 === 1) return false;
  const size = base64urlByteLength(value);
  return size >= min && size <= max;
}

/**
 * `authenticationResponseShapeSchema`'s result for a response in the usual form, or `undefined`: the members
 * of §5.1 with their types and sizes, `userHandle` absent, `null`, `""` (both dropped) or a user handle,
 * `clientExtensionResults` absent or empty. Unknown members are left out, as the schema strips them.
 *
 * @internal the stateless sign-in verifier's first look at its input (verifyAuthenticationResponse.ts)
 */
export function usualAssertionShape(json: unknown): AuthenticationResponseJSON | undefined {
  try {
    if (!isObject(json)) return undefined;
    const { id, rawId, type, response, authenticatorAttachment, clientExtensionResults } = json;
    if (!isBase64urlOfSize(id, 1, MAX_CREDENTIAL_ID_BYTES) || !isBase64urlOfSize(rawId, 1, MAX_CREDENTIAL_ID_BYTES)) return undefined;
    if (typeof type !== 'string' || !isObject(response)) return undefined;
    if (authenticatorAttachment !== undefined && authenticatorAttachment !== null && typeof authenticatorAttachment !== 'string') return undefined;
    if (clientExtensionResults !== undefined && !isEmptyPlainObject(clientExtensionResults)) return undefined;
    const { clientDataJSON, authenticatorData, signature, userHandle } = response;
    if (
      !isDecodedLater(clientDataJSON, 1, MAX_CLIENT_DATA_JSON_BYTES) ||
      !isDecodedLater(authenticatorData, 37, MAX_AUTHENTICATOR_DATA_BYTES) ||
      !isDecodedLater(signature, 1, MAX_SIGNATURE_BYTES)
    ) {
      return undefined;
    }
    const emptyUserHandle = userHandle === null || userHandle === '';
    const noUserHandle = userHandle === undefined || emptyUserHandle;
    if (!noUserHandle && !isBase64urlOfSize(userHandle, 1, MAX_USER_HANDLE_BYTES)) return undefined;
    // The schema drops an empty user handle by copying the response's own enumerable members (responseJSON.ts
    // dropEmptyUserHandle), which loses inherited or hidden ones: then only the schema may answer.
    if (emptyUserHandle && !SIGNED_MEMBERS.every((member) => isOwnEnumerable(response, member))) return undefined;

    const shape: AuthenticationResponseJSON = {
      id,
      rawId,
      type,
      response: noUserHandle ? { clientDataJSON, authenticatorData, signature } : { clientDataJSON, authenticatorData, signature, userHandle },
    };
    if (authenticatorAttachment !== undefined) shape.authenticatorAttachment = authenticatorAttachment;
    if (clientExtensionResults !== undefined) shape.clientExtensionResults = {};
    return shape;
  } catch {
    // A getter or Proxy that throws: the schema reports it.
    return undefined;
  }
}

const SIGNED_MEMBERS = ['clientDataJSON', 'authenticatorData', 'signature'] as const;
const isOwnEnumerable = (object: object, key: string): boolean => Object.prototype.propertyIsEnumerable.call(object, key);

/** `{}` as JSON makes it: a plain object without own keys. */
function isEmptyPlainObject(value: unknown): boolean {
  return isObject(value) && Object.getPrototypeOf(value) === Object.prototype && Reflect.ownKeys(value).length === 0;
}
