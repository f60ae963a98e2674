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
  const sizeRule = maxBytes === Number.POSITIVE_INFINITY ? `at least ${minBytes}` : `${minBytes}–${maxBytes}`;
  return z.string().refine(
    (text) => {
      if (!isBase64url(text)) return false;
      const size = base64urlByteLength(text);
      return size >= minBytes && size <= maxBytes;
    },
    {
      error: (issue) => {
        const text = issue.input as string;
        const problem = base64urlProblem(text);
        if (problem !== undefined) return `${subject} must be canonical unpadded base64url (${problem})`;
        return `${subject} must decode to ${sizeRule} bytes, not ${base64urlByteLength(text)}`;
      },
    },
  );
}
