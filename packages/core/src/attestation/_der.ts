import { TesseraError } from '../errors.ts';

/*
 * A minimal, strict reader of ASN.1 DER (ITU-T X.690 §8 basic rules, §10 and §11 DER restrictions), enough for
 * X.509 certificates (RFC 5280 §4.1) in attestation statements (WebAuthn L3 §8). It never decodes more than it
 * is asked to: `readDer` checks one element's header and bounds, `derChildren` the elements directly inside a
 * constructed one. Elements are views of the input, not copies.
 *
 * Strict means: single-byte tags (no high tag numbers), definite lengths in their shortest form, constructed
 * encodings only for SEQUENCE, SET and constructed context tags, minimal INTEGERs and OID arcs, zero padding bits
 * in BIT STRINGs, BOOLEAN as 0x00 or 0xff, and times exactly as RFC 5280 §4.1.2.5 profiles them.
 */

/** Deepest nesting accepted below the element given to {@link readDer}; X.509 nests about eight levels. */
export const MAX_DER_DEPTH = 16;

/** Universal tags (X.690 §8.1.2; the identifier octet, constructed bit included where it must be set). */
export const DER_TAGS = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One DER element (tag, length, content), as views of the bytes it was read from. */
export interface DerElement {
  /** The identifier octet: class, constructed bit and tag number (always below 31). */
  readonly tag: number;
  /** The content octets. */
  readonly content: Uint8Array;
  /** The whole encoding: identifier, length and content octets. */
  readonly encoded: Uint8Array;
  /** Nesting level below the outermost element read, which is 0. */
  readonly depth: number;
}

const CONSTRUCTED = 0x20;
const CONTEXT = 0x80;
/** Longest length field accepted: four octets already reach 4 GiB. */
const MAX_LENGTH_OCTETS = 4;

function malformed(problem: string): never {
  throw new TesseraError('invalid_attestation', `Malformed DER: ${problem}.`);
}

/**
 * The identifier octet of a context-specific element `[number]` (X.690 §8.1.2.2).
 *
 * @param number - the tag number, 0–30
 * @param primitive - `true` for an IMPLICIT tag on a primitive type; default constructed (EXPLICIT, or IMPLICIT on a
 *   SEQUENCE)
 * @returns the tag, such as 0xa3 for `[3]` constructed
 * @internal
 */
export function contextTag(number: number, primitive = false): number {
  return CONTEXT | (primitive ? 0 : CONSTRUCTED) | number;
}

/** Reads one element at `offset` and returns it with the offset just after it. */
function readAt(bytes: Uint8Array, offset: number, depth: number): { element: DerElement; next: number } {
  if (depth > MAX_DER_DEPTH) malformed(`nested deeper than ${MAX_DER_DEPTH} levels`);
  if (offset >= bytes.length) malformed('truncated element');
  const tag = bytes[offset]!;
  // X.690 §8.1.2.4: tag number 31 announces the multi-octet form, which nothing in X.509 uses.
  if ((tag & 0x1f) === 0x1f) malformed('multi-octet tag');
  // X.690 §10.2: DER encodes strings and other universal types primitively; only SEQUENCE and SET are constructed.
  const universal = (tag & 0xc0) === 0;
  if (universal && (tag & CONSTRUCTED) !== 0 && tag !== DER_TAGS.SEQUENCE && tag !== DER_TAGS.SET) {
    malformed('constructed encoding of a primitive type');
  }
  if (universal && (tag === 0x10 || tag === 0x11)) malformed('primitive SEQUENCE or SET');
  if (offset + 1 >= bytes.length) malformed('truncated length');
  const first = bytes[offset + 1]!;
  let position = offset + 2;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    // X.690 §8.1.3.6: 0x80 is the indefinite form, which §10.1 forbids in DER.
    if (first === 0x80) malformed('indefinite length');
    const octets = first & 0x7f;
    if (octets > MAX_LENGTH_OCTETS) malformed('length field too long');
    if (position + octets > bytes.length) malformed('truncated length');
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + bytes[position + index]!;
    // X.690 §10.1: the shortest form; long form only from 128, and without leading zero octets.
    if (length < 0x80 || bytes[position] === 0) malformed('non-minimal length');
    position += octets;
  }
  if (length > bytes.length - position) malformed('truncated content');
  const end = position + length;
  return {
    element: { tag, content: bytes.subarray(position, end), encoded: bytes.subarray(offset, end), depth },
    next: end,
  };
}

/**
 * Reads the one DER element that fills `bytes` exactly.
 *
 * @param bytes - the encoding (X.690 §8.1)
 * @returns the element, at depth 0, whose views share `bytes`' buffer
 * @throws {TesseraError} `invalid_attestation` for a malformed header, a truncated element or trailing bytes
 * @internal
 */
export function readDer(bytes: Uint8Array): DerElement {
  const { element, next } = readAt(bytes, 0, 0);
  if (next !== bytes.length) malformed('trailing bytes after the element');
  return element;
}

/**
 * Reads the elements inside a constructed element (X.690 §8.9 SEQUENCE, §8.11 SET, or a constructed context
 * tag), which must fill its content exactly.
 *
 * @param element - a constructed element
 * @param tag - if given, the tag `element` must have
 * @returns the children in order, one level deeper
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, a primitive element, malformed children or
 *   nesting beyond {@link MAX_DER_DEPTH}
 * @internal
 */
export function derChildren(element: DerElement, tag?: number): DerElement[] {
  if (tag !== undefined) expectTag(element, tag, 'constructed element');
  if ((element.tag & CONSTRUCTED) === 0) malformed('expected a constructed element');
  const children: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const { element: child, next } = readAt(element.content, offset, element.depth + 1);
    children.push(child);
    offset = next;
  }
  return children;
}

function expectTag(element: DerElement, tag: number, what: string): void {
  if (element.tag !== tag) malformed(`expected ${what}`);
}

/**
 * Reads an INTEGER (X.690 §8.3) as its two's-complement content octets, checked minimal (§8.3.2).
 *
 * @param element - the element, tagged INTEGER unless `tag` says otherwise (an implicitly tagged INTEGER)
 * @param tag - the expected tag; default INTEGER
 * @returns the content octets (big-endian two's complement, at least one octet)
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, empty content or a redundant leading octet
 * @internal
 */
export function derInteger(element: DerElement, tag: number = DER_TAGS.INTEGER): Uint8Array {
  expectTag(element, tag, 'an INTEGER');
  const { content } = element;
  if (content.length === 0) malformed('empty INTEGER');
  if (content.length > 1) {
    const high9 = (content[0]! << 1) | (content[1]! >> 7);
    if (high9 === 0 || high9 === 0x1ff) malformed('non-minimal INTEGER');
  }
  return content;
}

/**
 * Reads a non-negative INTEGER no larger than 2³¹ − 1 (a version, a path length).
 *
 * @param element - an INTEGER element
 * @returns its value
 * @throws {TesseraError} `invalid_attestation` if it is malformed, negative or too large
 * @internal
 */
export function derSmallInteger(element: DerElement): number {
  const content = derInteger(element);
  if ((content[0]! & 0x80) !== 0) malformed('negative INTEGER');
  if (content.length > 4 || (content.length === 4 && content[0]! > 0x7f)) malformed('INTEGER too large');
  let value = 0;
  for (const byte of content) value = value * 256 + byte;
  return value;
}

/**
 * Reads an OBJECT IDENTIFIER (X.690 §8.19) as dotted decimal text, such as `2.5.4.3`.
 *
 * @param element - an OBJECT IDENTIFIER element
 * @returns the dotted form; arcs of any size are exact
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, empty content, a non-minimal or unterminated arc
 * @internal
 */
export function derOid(element: DerElement): string {
  expectTag(element, DER_TAGS.OID, 'an OBJECT IDENTIFIER');
  const { content } = element;
  if (content.length === 0) malformed('empty OBJECT IDENTIFIER');
  if ((content[content.length - 1]! & 0x80) !== 0) malformed('unterminated OBJECT IDENTIFIER arc');
  const arcs: string[] = [];
  let value = 0n;
  let arcStart = true;
  for (const byte of content) {
    // X.690 §8.19.2: each subidentifier in the fewest octets, so it never starts with 0x80.
    if (arcStart && byte === 0x80) malformed('non-minimal OBJECT IDENTIFIER arc');
    value = (value << 7n) | BigInt(byte & 0x7f);
    arcStart = (byte & 0x80) === 0;
    if (!arcStart) continue;
    if (arcs.length === 0) {
      // X.690 §8.19.4: the first subidentifier packs the first two arcs as 40 × X + Y, X ≤ 2.
      const first = value < 40n ? 0n : value < 80n ? 1n : 2n;
      arcs.push(first.toString(), (value - first * 40n).toString());
    } else {
      arcs.push(value.toString());
    }
    value = 0n;
  }
  return arcs.join('.');
}

/**
 * Reads a BIT STRING (X.690 §8.6) whose length is a whole number of octets, as keys and signatures are.
 *
 * @param element - a BIT STRING element
 * @returns the bits as octets (a view)
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, a missing initial octet or unused bits
 * @internal
 */
export function derBitString(element: DerElement): Uint8Array {
  expectTag(element, DER_TAGS.BIT_STRING, 'a BIT STRING');
  const { content } = element;
  if (content.length === 0) malformed('empty BIT STRING');
  if (content[0] !== 0) malformed('BIT STRING with unused bits');
  return content.subarray(1);
}

/**
 * Reads an OCTET STRING (X.690 §8.7).
 *
 * @param element - an OCTET STRING element
 * @returns its content (a view)
 * @throws {TesseraError} `invalid_attestation` for a wrong tag
 * @internal
 */
export function derOctetString(element: DerElement): Uint8Array {
  expectTag(element, DER_TAGS.OCTET_STRING, 'an OCTET STRING');
  return element.content;
}

/**
 * Reads a BOOLEAN (X.690 §8.2, §11.1: FALSE is 0x00 and TRUE is 0xff).
 *
 * @param element - a BOOLEAN element
 * @returns its value
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, a length other than one or another octet value
 * @internal
 */
export function derBoolean(element: DerElement): boolean {
  expectTag(element, DER_TAGS.BOOLEAN, 'a BOOLEAN');
  const { content } = element;
  if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff)) malformed('BOOLEAN is not 0x00 or 0xff');
  return content[0] === 0xff;
}

/**
 * Checks a NULL (X.690 §8.8): no content.
 *
 * @param element - a NULL element
 * @throws {TesseraError} `invalid_attestation` for a wrong tag or any content
 * @internal
 */
export function derNull(element: DerElement): void {
  expectTag(element, DER_TAGS.NULL, 'NULL');
  if (element.content.length !== 0) malformed('NULL with content');
}

const DIGITS = /^[0-9]+$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads a UTCTime or GeneralizedTime as RFC 5280 §4.1.2.5 profiles them: `YYMMDDHHMMSSZ` (years 1950–2049) or
 * `YYYYMMDDHHMMSSZ`, in UTC, with seconds and without fractions.
 *
 * @param element - a UTCTime or GeneralizedTime element
 * @returns milliseconds since the Unix epoch
 * @throws {TesseraError} `invalid_attestation` for a wrong tag, another format or an impossible date
 * @internal
 */
export function derTime(element: DerElement): number {
  const utc = element.tag === DER_TAGS.UTC_TIME;
  if (!utc && element.tag !== DER_TAGS.GENERALIZED_TIME) malformed('expected a UTCTime or GeneralizedTime');
  const digits = utc ? 12 : 14;
  if (element.content.length !== digits + 1) malformed('time not in the RFC 5280 form');
  const text = latin1(element.content);
  if (text[digits] !== 'Z' || !DIGITS.test(text.slice(0, digits))) {
    malformed('time not in the RFC 5280 form');
  }
  const field = (start: number, size: number): number => Number(text.slice(start, start + size));
  let year: number;
  let at: number;
  if (utc) {
    const yy = field(0, 2);
    // RFC 5280 §4.1.2.5.1: YY of 50 or more is 19YY, below 50 is 20YY.
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    at = 2;
  } else {
    year = field(0, 4);
    at = 4;
  }
  const month = field(at, 2);
  const day = field(at + 2, 2);
  const hour = field(at + 4, 2);
  const minute = field(at + 6, 2);
  const second = field(at + 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) {
    malformed('impossible date or time');
  }
  const date = new Date(0);
  // setUTCFullYear keeps years 0–99 literal, which Date.UTC would move to the twentieth century.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** One character per octet (ISO 8859-1), built without spreading a large array into a call. */
function latin1(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return text;
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads a character string (X.690 §8.23; the string types of X.680 §41) as text: UTF8String, PrintableString,
 * IA5String and NumericString checked against their character sets, TeletexString read as Latin-1 (its common
 * use), BMPString as UTF-16BE and UniversalString as UTF-32BE.
 *
 * @param element - a string element
 * @returns the text
 * @throws {TesseraError} `invalid_attestation` for another tag or characters outside the type's set
 * @internal
 */
export function derString(element: DerElement): string {
  const { content } = element;
  switch (element.tag) {
    case DER_TAGS.UTF8_STRING:
      try {
        return utf8.decode(content);
      } catch {
        return malformed('invalid UTF8String');
      }
    case DER_TAGS.PRINTABLE_STRING:
    case DER_TAGS.NUMERIC_STRING:
    case DER_TAGS.IA5_STRING: {
      for (const byte of content) if (byte > 0x7f) malformed('non-ASCII character in an ASCII string type');
      const text = latin1(content);
      if (element.tag === DER_TAGS.PRINTABLE_STRING && !PRINTABLE.test(text)) malformed('invalid PrintableString');
      if (element.tag === DER_TAGS.NUMERIC_STRING && !/^[0-9 ]*$/.test(text)) malformed('invalid NumericString');
      return text;
    }
    case DER_TAGS.TELETEX_STRING:
      return latin1(content);
    case DER_TAGS.BMP_STRING:
    case DER_TAGS.UNIVERSAL_STRING: {
      const size = element.tag === DER_TAGS.BMP_STRING ? 2 : 4;
      if (content.length % size !== 0) malformed('string length is not a whole number of characters');
      let text = '';
      for (let index = 0; index < content.length; index += size) {
        let codePoint = 0;
        for (let byte = 0; byte < size; byte++) codePoint = codePoint * 256 + content[index + byte]!;
        if (codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) malformed('invalid character');
        text += String.fromCodePoint(codePoint);
      }
      return text;
    }
    default:
      return malformed('expected a character string');
  }
}
