import { TesseraError } from '@tessera/core';
import { decodeStandardBase64 } from './_base64.ts';

/*
 * Certificates and CRLs as callers hold them: DER bytes, or the PEM text OpenSSL, Python's `cryptography`,
 * `@peculiar/x509` and most PKI tools write (RFC 7468 "Textual Encodings of PKIX ... Structures": `-----BEGIN
 * CERTIFICATE-----` / `-----BEGIN X509 CRL-----`, base64 lines, explanatory text allowed outside the blocks), as a
 * string or as the bytes of a file. A DER certificate or CRL starts with a SEQUENCE tag (0x30), never with '-', so
 * bytes that do not start with 0x30 are read as PEM text. Whatever is not one of these is `invalid_argument`: the caller's
 * configuration, not the BLOB, is at fault.
 */

/** A certificate or CRL: DER bytes (a `Uint8Array` such as a Node `Buffer`, or an `ArrayBuffer`), or PEM text or bytes. */
export type DerOrPem = Uint8Array | ArrayBuffer | string;

/** Most PEM blocks read from one input: a CA bundle file holds a few dozen at most. */
const MAX_BLOCKS = 256;

/**
 * The DER structures in `inputs`: DER bytes as they are, every `label` block of PEM text decoded.
 *
 * @param inputs - the certificates or CRLs, each DER or PEM (a PEM input may hold several blocks)
 * @param label - the RFC 7468 label to read: `CERTIFICATE` or `X509 CRL`
 * @param what - what the inputs are, for error messages (`trustAnchor`, `crls`)
 * @returns the DER structures, in order
 * @throws {TesseraError} `invalid_argument` for an input that is neither bytes nor text, PEM text without a
 *   `label` block, or a block that is not canonical base64
 * @internal
 */
export function derStructures(inputs: readonly unknown[], label: 'CERTIFICATE' | 'X509 CRL', what: string): Uint8Array[] {
  const structures: Uint8Array[] = [];
  for (const [index, input] of inputs.entries()) {
    if (input instanceof ArrayBuffer) {
      structures.push(new Uint8Array(input.slice(0)));
    } else if (input instanceof Uint8Array) {
      // DER starts with a SEQUENCE (0x30); anything else is read as the text of a PEM file.
      if (input.length > 0 && input[0] !== 0x30) structures.push(...pemBlocks(latin1(input), label, `${what}[${index}]`));
      else structures.push(input);
    } else if (typeof input === 'string') {
      structures.push(...pemBlocks(input, label, `${what}[${index}]`));
    } else {
      throw new TesseraError('invalid_argument', `${what}[${index}] must be DER bytes or PEM text.`);
    }
  }
  return structures;
}

/** Every `label` block of PEM text (RFC 7468 §2–3), decoded; at least one. */
function pemBlocks(text: string, label: string, what: string): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, 'g');
  for (const match of text.matchAll(pattern)) {
    if (blocks.length === MAX_BLOCKS) throw new TesseraError('invalid_argument', `${what} holds more than ${MAX_BLOCKS} PEM blocks.`);
    // RFC 7468 §3: the base64 text may be wrapped and surrounded by whitespace; it is decoded strictly once joined.
    const body = (match[1] ?? '').replace(/\s+/g, '');
    if (body.length === 0) throw new TesseraError('invalid_argument', `${what} has an empty PEM block.`);
    try {
      blocks.push(decodeStandardBase64(body, what));
    } catch (error) {
      throw new TesseraError('invalid_argument', `${what} has a PEM block that is not base64 (RFC 7468 §3).`, { cause: error });
    }
  }
  if (blocks.length === 0) throw new TesseraError('invalid_argument', `${what} is neither DER nor PEM with a "${label}" block (RFC 7468).`);
  return blocks;
}

/** Bytes as text, one character per byte; PEM is ASCII, and anything else fails the block pattern. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (let start = 0; start < bytes.length; start += 8192) text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  return text;
}
