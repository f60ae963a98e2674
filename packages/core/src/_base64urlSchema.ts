import { z } from 'zod';
import { base64urlByteLength, base64urlProblem, isBase64url } from './base64url.ts';

/**
 * A zod schema for bytes carried as canonical unpadded base64url (WebAuthn L3 §5.1.8–§5.1.9
 * `Base64URLString`) whose decoded length lies in `[minBytes, maxBytes]`. Credential ids, user handles,
 * challenges, tickets and extension bytes are all this, with different bounds.
 *
 * Accepting runs one regular-expression test and some arithmetic; only a rejection computes the reason, which
 * names the rule or the size and never repeats the text (it may be a secret).
 *
 * @internal
 */
export function base64urlBytesSchema(subject: string, minBytes: number, maxBytes: number): z.ZodString {
  return z.string().refine(
    (text) => {
      if (!isBase64url(text)) return false;
      const size = base64urlByteLength(text);
      return size >= minBytes && size <= maxBytes;
    },
    { error: (issue) => base64urlBytesIssue(subject, minBytes, maxBytes, issue.input as string) },
  );
}

/** The message of a rejected base64url byte string: the rule it breaks or its size, never the text. */
function base64urlBytesIssue(subject: string, minBytes: number, maxBytes: number, text: string): string {
  const problem = base64urlProblem(text);
  if (problem !== undefined) return `${subject} must be canonical unpadded base64url (${problem})`;
  const sizeRule = maxBytes === Number.POSITIVE_INFINITY ? `at least ${minBytes}` : `${minBytes}–${maxBytes}`;
  return `${subject} must decode to ${sizeRule} bytes, not ${base64urlByteLength(text)}`;
}

/**
 * A zod schema for a string that a verifier decodes as canonical unpadded base64url in the same step, so only
 * its type and its decoded size (`[minBytes, maxBytes]`, from the length alone) are checked here: the decoder
 * rejects every text {@link base64urlBytesSchema} rejects, in the one pass over the characters it makes anyway.
 * A caller that uses this must report a decoding failure as the full schema would.
 *
 * @internal the stateless sign-in verifier's response shape (verifyAuthenticationResponse.ts)
 */
export function base64urlDecodedLaterSchema(subject: string, minBytes: number, maxBytes: number): z.ZodString {
  return z.string().refine(
    (text) => {
      const size = base64urlByteLength(text);
      return text.length % 4 !== 1 && size >= minBytes && size <= maxBytes;
    },
    { error: (issue) => base64urlBytesIssue(subject, minBytes, maxBytes, issue.input as string) },
  );
}
