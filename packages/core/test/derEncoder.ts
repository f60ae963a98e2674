/**
 * Test support only: a tiny ASN.1 DER encoder (ITU-T X.690) for building test inputs.
 * Deliberately independent of the ASN.1 library the core parses with; never imported by library code.
 */

/** Bytes from octet values. */
export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** The byte strings, one after another. */
export const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
};

/** Definite length octets, short form below 128 else minimal long form (X.690 §8.1.3, §10.1). */
export function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return [0x80 | octets.length, ...octets];
}

/** An element: single-octet identifier, length, then the concatenated contents (X.690 §8.1). */
export const tlv = (tag: number, ...contents: Uint8Array[]): Uint8Array => {
  const body = concat(...contents);
  return concat(bytes(tag, ...lengthOctets(body.length)), body);
};

/** SEQUENCE of the elements (X.690 §8.9). */
export const seq = (...elements: Uint8Array[]): Uint8Array => tlv(0x30, ...elements);

/** INTEGER in minimal two's complement (X.690 §8.3). */
export function integer(value: bigint): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    out.unshift(Number(BigInt.asUintN(8, rest)));
    rest >>= 8n;
  } while (!((rest === 0n && (out[0]! & 0x80) === 0) || (rest === -1n && (out[0]! & 0x80) !== 0)));
  return tlv(0x02, Uint8Array.from(out));
}

/** OBJECT IDENTIFIER from dotted arcs, base-128 subidentifiers (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(BigInt);
  const base128 = (value: bigint): number[] => {
    const out = [Number(value & 0x7fn)];
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
    return out;
  };
  return tlv(0x06, Uint8Array.from([...base128(arcs[0]! * 40n + arcs[1]!), ...arcs.slice(2).flatMap(base128)]));
}

/** A string-typed element of the given tag, content UTF-8 (one octet per character for ASCII). */
export const text = (tag: number, value: string): Uint8Array => tlv(tag, new TextEncoder().encode(value));

/** UTF8String (X.690 §8.23, tag 12). */
export const utf8 = (value: string): Uint8Array => text(0x0c, value);

/** PrintableString (X.690 §8.23, tag 19). */
export const printable = (value: string): Uint8Array => text(0x13, value);

const pad = (value: number, size: number): string => String(value).padStart(size, '0');

/** UTCTime or GeneralizedTime to the second with Z (X.690 §11.7–11.8); by default UTCTime for 1950–2049 (RFC 5280 §4.1.2.5). */
export function time(ms: number, generalized?: boolean): Uint8Array {
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const long = generalized ?? (year < 1950 || year >= 2050);
  const rest = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()];
  return text(long ? 0x18 : 0x17, (long ? pad(year, 4) : pad(year % 100, 2)) + rest.map((value) => pad(value, 2)).join('') + 'Z');
}

/** BOOLEAN, TRUE as 0xff (X.690 §8.2, §11.1). */
export const boolean = (value: boolean): Uint8Array => tlv(0x01, bytes(value ? 0xff : 0));

/** BIT STRING with no unused bits (X.690 §8.6, §11.2). */
export const bits = (content: Uint8Array): Uint8Array => tlv(0x03, bytes(0), content);

/** OCTET STRING (X.690 §8.7). */
export const octets = (content: Uint8Array): Uint8Array => tlv(0x04, content);

/** X.501 Name: a SEQUENCE of single-attribute RDN SETs, each `[type OID, value]`. */
export const name = (...attributes: [string, Uint8Array][]): Uint8Array =>
  seq(...attributes.map(([type, value]) => tlv(0x31, seq(oid(type), value))));

/** X.509 Extension (RFC 5280 §4.1); `critical` left out when undefined, else encoded as given (FALSE is non-DER). */
export const extension = (id: string, value: Uint8Array, critical?: boolean): Uint8Array =>
  seq(oid(id), ...(critical === undefined ? [] : [boolean(critical)]), octets(value));

/** AlgorithmIdentifier for ecdsa-with-SHA256 (RFC 5758 §3.2), parameters absent. */
export const ECDSA_SHA256: Uint8Array = seq(oid('1.2.840.10045.4.3.2'));
