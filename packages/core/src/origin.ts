import { z } from 'zod';

const ANDROID_APK_ORIGIN = /^android:apk-key-hash:[A-Za-z0-9_-]{43}$/;

/**
 * Whether `value` is an origin a relying party may expect in `clientDataJSON.origin` (WebAuthn L3 §5.8.1,
 * checked in §7.1 step 9 and §7.2 step 12): an `https` origin, an `http` origin on `localhost` or a
 * `*.localhost` name (secure contexts for development), or an Android app origin
 * `android:apk-key-hash:<base64url SHA-256 of the signing certificate>`.
 *
 * The origin must be written in its serialised form: no path, no trailing slash, lowercase host, and no
 * default port.
 *
 * @param value - the candidate
 * @returns `true` if it is acceptable
 */
export function isValidOrigin(value: string): boolean {
  if (ANDROID_APK_ORIGIN.test(value)) return true;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.origin !== value) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname.endsWith('.localhost'));
}

/** Schema of an expected origin; see {@link isValidOrigin}. */
export const originSchema: z.ZodString = z
  .string()
  .refine(
    isValidOrigin,
    'must be a serialised origin such as "https://example.com" (https, or http on localhost; no path or trailing slash)',
  );

/**
 * Whether a web origin can use `rpId` without Related Origin Requests: its host is the RP ID or a subdomain
 * of it (WebAuthn L3 §5.1.4.1 and §5.1.3: the RP ID must be a registrable domain suffix of, or equal to,
 * the origin's effective domain). Android app origins are not web origins and always pass.
 *
 * @param origin - an origin accepted by {@link isValidOrigin}
 * @param rpId - a valid RP ID
 * @returns `true` if a browser on `origin` can use `rpId`
 */
export function isOriginOfRpId(origin: string, rpId: string): boolean {
  if (ANDROID_APK_ORIGIN.test(origin)) return true;
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}
