/*
 * The one BER-not-DER encoding real attestation certificates carry that this library tolerates: a BOOLEAN
 * whose value is its DEFAULT FALSE, encoded anyway (X.690 §11.5 says DER omits it). Old vendor CAs wrote
 * `critical FALSE` into Extensions (RFC 5280 §4.1: `critical BOOLEAN DEFAULT FALSE`), and Chrome's virtual
 * authenticator (before Chromium change 2797998) wrote `cA FALSE` into basicConstraints (§4.2.1.9). Other
 * verifiers (asn1.js, Go's encoding/asn1, OpenSSL) read them; refusing them refuses real registrations.
 *
 * What is tolerated is exactly the three octets 01 01 00 in those two places, and it means what the omitted
 * DEFAULT means, so no reader can see anything else. Everything else stays strict: the rest of the encoding
 * must still be the DER the schema re-encodes (a BER TRUE such as 01 01 01, a long-form length or an
 * indefinite length on the way to the extension are refused), and a certificate's signature is checked over
 * the TBSCertificate bytes as received (tbsCertificateBytes below), never over a re-encoding: a FALSE inserted
 * into a signed certificate breaks its signature.
 */

/** One element: where its contents start and where it ends. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** The BOOLEAN FALSE element, DER's only encoding of it (X.690 §8.2.2, §11.1). */
const EXPLICIT_FALSE = [0x01, 0x01, 0x00] as const;

/** Reads one element at `at` with a single-octet tag and a minimal definite length (X.690 §10.1), or undefined. */
function elementAt(bytes: Uint8Array, at: number, limit: number): Element | undefined {
  if (at + 2 > limit) return undefined;
  const tag = bytes[at]!;
  if ((tag & 0x1f) === 0x1f) return undefined;
  const first = bytes[at + 1]!;
  let length = first;
  let contentStart = at + 2;
  if (first >= 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 3 || contentStart + count > limit || bytes[contentStart] === 0) return undefined;
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index]!;
    if (length < 0x80) return undefined;
    contentStart += count;
  }
  const end = contentStart + length;
  return end > limit ? undefined : { tag, start: at, contentStart, end };
}

/** The elements inside a constructed element, or undefined if its contents are not a run of elements. */
function childrenOf(bytes: Uint8Array, parent: Element): Element[] | undefined {
  const children: Element[] = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = elementAt(bytes, at, parent.end);
    if (child === undefined) return undefined;
    children.push(child);
    at = child.end;
  }
  return children;
}

/** Minimal definite length octets (X.690 §10.1). */
function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return [0x80 | octets.length, ...octets];
}

/** An element with `tag` around `contents`. */
function wrap(tag: number, contents: readonly Uint8Array[]): Uint8Array {
  const length = contents.reduce((total, part) => total + part.length, 0);
  const header = [tag, ...lengthOctets(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let offset = header.length;
  for (const part of contents) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const isExplicitFalse = (bytes: Uint8Array, element: Element): boolean =>
  element.end - element.start === 3 && EXPLICIT_FALSE.every((octet, index) => bytes[element.start + index] === octet);

/**
 * The TBSCertificate of a certificate exactly as received (RFC 5280 §4.1.1.1: the issuer signed these bytes).
 *
 * @param der - a certificate that parsed
 * @returns a view of its first inner element, or `undefined` if the outer framing is not minimal DER
 * @internal
 */
export function tbsCertificateBytes(der: Uint8Array): Uint8Array | undefined {
  const certificate = elementAt(der, 0, der.length);
  if (certificate === undefined || certificate.end !== der.length) return undefined;
  const tbs = elementAt(der, certificate.contentStart, certificate.end);
  return tbs === undefined ? undefined : der.subarray(tbs.start, tbs.end);
}

/**
 * A certificate with every Extension's explicit `critical FALSE` removed: the DER of the same value (RFC 5280
 * §4.1, X.690 §11.5). The caller compares its schema's re-encoding with this instead of with the input.
 *
 * @param der - a certificate's bytes
 * @returns the bytes without those three-octet elements (lengths re-encoded on the way), or `der` itself when
 *   there is none or the path to the extensions is not minimal DER (then the comparison refuses it)
 * @internal
 */
export function withoutExplicitCriticalFalse(der: Uint8Array): Uint8Array {
  const certificate = elementAt(der, 0, der.length);
  if (certificate?.tag !== 0x30 || certificate.end !== der.length) return der;
  const outer = childrenOf(der, certificate);
  const tbs = outer?.[0];
  if (outer === undefined || tbs?.tag !== 0x30) return der;
  const fields = childrenOf(der, tbs);
  const wrapper = fields?.at(-1);
  if (fields === undefined || wrapper?.tag !== 0xa3) return der;
  const list = childrenOf(der, wrapper);
  const sequence = list?.[0];
  if (list?.length !== 1 || sequence?.tag !== 0x30) return der;
  const extensions = childrenOf(der, sequence);
  if (extensions === undefined) return der;
  let changed = false;
  const rebuilt = extensions.map((extension) => {
    const parts = extension.tag === 0x30 ? childrenOf(der, extension) : undefined;
    if (parts?.length !== 3 || parts[0]!.tag !== 0x06 || !isExplicitFalse(der, parts[1]!)) return der.subarray(extension.start, extension.end);
    changed = true;
    return wrap(0x30, [der.subarray(parts[0]!.start, parts[0]!.end), der.subarray(parts[2]!.start, parts[2]!.end)]);
  });
  if (!changed) return der;
  const slice = (element: Element): Uint8Array => der.subarray(element.start, element.end);
  const newTbs = wrap(0x30, [...fields.slice(0, -1).map(slice), wrap(0xa3, [wrap(0x30, rebuilt)])]);
  return wrap(0x30, [newTbs, ...outer.slice(1).map(slice)]);
}

/**
 * A basicConstraints value (RFC 5280 §4.2.1.9) with an explicit leading `cA FALSE` removed, which DER omits.
 *
 * @param value - the extension's `extnValue` contents
 * @returns the DER of the same value, or `value` itself when it has no such element, another BOOLEAN follows it,
 *   or it is not minimal DER
 * @internal
 */
export function withoutExplicitCAFalse(value: Uint8Array): Uint8Array {
  const sequence = elementAt(value, 0, value.length);
  if (sequence?.tag !== 0x30 || sequence.end !== value.length) return value;
  const first = elementAt(value, sequence.contentStart, sequence.end);
  if (first === undefined || !isExplicitFalse(value, first)) return value;
  // What follows may only be pathLenConstraint: a second BOOLEAN (`cA FALSE, cA TRUE`) is no BasicConstraints
  // to any reader, and removing the FALSE would make it read as a CA. Left as it is, it fails the DER check.
  if (value[first.end] === 0x01) return value;
  return wrap(0x30, [value.subarray(first.end, sequence.end)]);
}
