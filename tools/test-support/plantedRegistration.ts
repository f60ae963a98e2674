/**
 * Test support only: what a hostile client can put in a registration response. It takes a genuine response
 * from the software authenticator and rewrites its attestation object (WebAuthn L3 §6.5) with any credential
 * public key bytes, any `fmt` and any `attStmt`, encoded here by hand so that anything, well-formed or not,
 * can be sent. The authenticator still holds its own private key, so an assertion it signs verifies only under
 * its own key. Never imported by library code.
 */
import fc from 'fast-check';
import { base64url, type RegistrationResponseJSON } from '@tessera/core';

/** A CBOR data item to encode (RFC 8949 §3), or `{ raw }` bytes sent verbatim (anything, well-formed or not). */
export type CborItem = number | string | Uint8Array | boolean | null | readonly CborItem[] | ReadonlyMap<CborItem, CborItem> | { raw: Uint8Array };

const text = new TextEncoder();

/** The head of a data item: major type and argument, in the shortest form (RFC 8949 §3.1). */
function head(major: number, argument: number): number[] {
  const type = major << 5;
  if (argument < 24) return [type | argument];
  if (argument < 0x100) return [type | 24, argument];
  if (argument < 0x10000) return [type | 25, argument >> 8, argument & 0xff];
  if (argument < 0x1_0000_0000) return [type | 26, argument >>> 24, (argument >>> 16) & 0xff, (argument >>> 8) & 0xff, argument & 0xff];
  throw new RangeError('cbor: arguments of 2^32 and above are not needed here');
}

/** Encodes `item` as CBOR; integers minimally, other numbers as float64, `{ raw }` as given. */
export function cbor(item: CborItem): Uint8Array {
  const out: number[] = [];
  const write = (value: CborItem): void => {
    if (value === null) out.push(0xf6);
    else if (value === true) out.push(0xf5);
    else if (value === false) out.push(0xf4);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value) && value >= 0) out.push(...head(0, value));
      else if (Number.isSafeInteger(value)) out.push(...head(1, -1 - value));
      else {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setFloat64(0, value);
        out.push(0xfb, ...bytes);
      }
    } else if (typeof value === 'string') {
      const bytes = text.encode(value);
      out.push(...head(3, bytes.length), ...bytes);
    } else if (value instanceof Uint8Array) out.push(...head(2, value.length), ...value);
    else if (Array.isArray(value)) {
      out.push(...head(4, value.length));
      for (const element of value as readonly CborItem[]) write(element);
    } else if (value instanceof Map) {
      out.push(...head(5, value.size));
      for (const [key, entry] of value as ReadonlyMap<CborItem, CborItem>) {
        write(key);
        write(entry);
      }
    } else out.push(...(value as { raw: Uint8Array }).raw);
  };
  write(item);
  return Uint8Array.from(out);
}

/** What to plant in a registration response; anything left out stays the authenticator's. */
export interface Plant {
  /** COSE_Key bytes for the attested credential data (WebAuthn L3 §6.5.1), in place of the genuine key. */
  publicKey?: Uint8Array | undefined;
  /** The attestation statement format identifier (§6.5.2), any CBOR item. */
  fmt?: CborItem | undefined;
  /** The attestation statement (§6.5.2), any CBOR item. */
  attStmt?: CborItem | undefined;
}

/**
 * The response with `plant` applied: the genuine key (the last bytes of its authenticator data, as no
 * extensions follow) replaced, and the attestation object rebuilt as `{ fmt, attStmt, authData }`.
 *
 * @param response - the software authenticator's genuine registration response
 * @param genuineKey - the COSE_Key bytes it put there (`authenticator.credentials[n].publicKey`)
 */
export function planted(response: RegistrationResponseJSON, genuineKey: Uint8Array, plant: Plant): RegistrationResponseJSON {
  const genuine = base64url.decode(response.response.authenticatorData!);
  const authData = plant.publicKey === undefined ? genuine : Uint8Array.from([...genuine.subarray(0, genuine.length - genuineKey.length), ...plant.publicKey]);
  const attestationObject = cbor(
    new Map<CborItem, CborItem>([
      ['fmt', plant.fmt === undefined ? 'none' : plant.fmt],
      ['attStmt', plant.attStmt === undefined ? new Map() : plant.attStmt],
      ['authData', authData],
    ]),
  );
  return { ...response, response: { ...response.response, authenticatorData: base64url.encode(authData), attestationObject: base64url.encode(attestationObject) } };
}

const hex = (value: string): Uint8Array => Uint8Array.from(value.match(/../g)!, (pair) => Number.parseInt(pair, 16));
const FF29 = 'ff'.repeat(29);
const ZERO30 = '00'.repeat(30);

/**
 * Every encoding of an Ed25519 point of small order: the 8 torsion points and their 6 non-canonical
 * encodings (y + p, and x = 0 with the sign bit set). The list is libsodium's `ge25519_has_small_order`
 * blocklist read with the sign bit both ways (RFC 8032 §5.1.3 for the encoding).
 */
export const SMALL_ORDER_ED25519: readonly Uint8Array[] = [
  `01${ZERO30}00`, `ec${FF29}ff7f`, `00${ZERO30}00`, `00${ZERO30}80`,
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  `01${ZERO30}80`, `ec${FF29}ffff`, `ed${FF29}ff7f`, `ed${FF29}ffff`, `ee${FF29}ff7f`, `ee${FF29}ffff`,
].map(hex);

/** The Ed25519 forgery: R = the identity, S = 0, which a cofactorless verifier accepts under the identity key for any message. */
export const IDENTITY_SIGNATURE: Uint8Array = Uint8Array.from({ length: 64 }, (_, index) => (index === 0 ? 1 : 0));

/** P-256 field prime and base point (SEC 2 §2.4.2), for points off the curve. */
const P256_P = hex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
const P256_GX = hex('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
const P256_GY = hex('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5');
const plusOne = (bytes: Uint8Array): Uint8Array => {
  const result = Uint8Array.from(bytes);
  result[result.length - 1]! += 1;
  return result;
};

const coseKey = (entries: [CborItem, CborItem][]): Uint8Array => cbor(new Map(entries));
const bytes = (length: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: length, maxLength: length });

/** Any credential public key a client could send: garbage, keys of small order or off their curve, weak RSA, odd COSE. */
export const anyPublicKey: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 120 }),
  // OKP / Ed25519 (RFC 9053 §7.2): small order, random x, wrong lengths, wrong crv.
  fc.tuple(fc.constantFrom(-8, -8, -19), fc.oneof(fc.constantFrom(...SMALL_ORDER_ED25519), bytes(32), fc.uint8Array({ maxLength: 40 })), fc.constantFrom(6, 1, 7)).map(
    ([alg, x, crv]) => coseKey([[1, 1], [3, alg], [-1, crv], [-2, x]]),
  ),
  // EC2 (RFC 9053 §7.1): off the curve, the point (0, 0), x = p, random coordinates, a curve that is not the algorithm's.
  fc
    .tuple(
      fc.constantFrom(-7, -7, -35),
      fc.constantFrom(1, 1, 2, 3),
      fc.oneof(
        fc.constant([P256_GX, plusOne(P256_GY)] as const),
        fc.constant([new Uint8Array(32), new Uint8Array(32)] as const),
        fc.constant([P256_P, P256_GY] as const),
        fc.constant([P256_GX, P256_P] as const),
        fc.tuple(bytes(32), bytes(32)),
        fc.tuple(fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: 70 })),
      ),
    )
    .map(([alg, crv, [x, y]]) => coseKey([[1, 2], [3, alg], [-1, crv], [-2, x], [-3, y]])),
  // RSA (RFC 8230 §4): small or random moduli, even or unit exponents.
  fc
    .tuple(fc.constantFrom(-257, -37, -65535), fc.oneof(bytes(256), fc.uint8Array({ maxLength: 300 })), fc.oneof(fc.constantFrom(hex('010001'), hex('01'), hex('02'), hex('00'), hex('03')), fc.uint8Array({ maxLength: 8 })))
    .map(([alg, n, e]) => coseKey([[1, 3], [3, alg], [-1, n], [-2, e]])),
  // AKP / ML-DSA (RFC 9964 §4): pub of its size or another parameter set's or none, sometimes with a private part.
  fc
    .tuple(fc.constantFrom(-48, -49, -50), fc.constantFrom(1312, 1952, 2592, 1311, 0), fc.boolean())
    .map(([alg, size, priv]) =>
      coseKey([[1, 7], [3, alg], [-1, new Uint8Array(size).fill(7)], ...(priv ? ([[-2, new Uint8Array(32)]] as [CborItem, CborItem][]) : [])]),
    ),
  // Not CTAP2 canonical: a float label, a non-minimal integer, a duplicate key, a tag, an indefinite length (§6.5.1.1).
  fc.constantFrom(
    cbor({ raw: Uint8Array.from([0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0xf9, 0x3c, 0x00, 0x41, 0x00]) }),
    cbor({ raw: Uint8Array.from([0xa4, 0x18, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20, ...SMALL_ORDER_ED25519[4]!]) }),
    cbor({ raw: Uint8Array.from([0xa5, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20, ...new Uint8Array(32).fill(9), 0x21, 0x58, 0x20, ...SMALL_ORDER_ED25519[0]!]) }),
    cbor({ raw: Uint8Array.from([0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0xd8, 0x40, 0x58, 0x20, ...SMALL_ORDER_ED25519[0]!]) }),
    cbor({ raw: Uint8Array.from([0xbf, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20, ...SMALL_ORDER_ED25519[0]!, 0xff]) }),
  ),
);

/** The attestation statement format identifiers of the IANA registry (WebAuthn L3 §8, RFC 8809). */
export const REGISTERED_FORMATS: readonly CborItem[] = ['none', 'packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'apple', 'compound'];

/**
 * Formats the core verifies (`SUPPORTED_ATTESTATION_FORMATS` but `none`). A planted statement of one never
 * verifies: {@link anyAttStmt} holds only garbage signatures and certificates, and the genuine response is `none`.
 */
export const VERIFIED_FORMATS: readonly CborItem[] = ['packed', 'fido-u2f', 'tpm', 'compound'];

/** Any `fmt`: every registered identifier (WebAuthn L3 §8, IANA), unregistered and empty ones, and non-text. */
export const anyFmt: fc.Arbitrary<CborItem> = fc.oneof(
  fc.constantFrom('none', 'packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'apple', 'compound', '', 'bogus', 'NONE', 'none '),
  fc.string({ maxLength: 20 }),
  fc.oneof(fc.integer(), fc.constant(null), fc.uint8Array({ maxLength: 8 })),
);

const leaf: fc.Arbitrary<CborItem> = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 80 }), fc.boolean(), fc.constant(null));

/** Any `attStmt`: empty, packed-looking with garbage signatures and certificates, random maps, non-maps, raw bytes. */
export const anyAttStmt: fc.Arbitrary<CborItem> = fc.oneof(
  fc.constant(new Map()),
  fc
    .tuple(fc.constantFrom(-7, -8, -257, -35, 1), fc.uint8Array({ maxLength: 80 }), fc.option(fc.array(fc.uint8Array({ maxLength: 120 }), { maxLength: 2 }), { nil: undefined }))
    .map(([alg, sig, x5c]) => new Map<CborItem, CborItem>([['alg', alg], ['sig', sig], ...(x5c === undefined ? [] : [['x5c', x5c] as [CborItem, CborItem]])])),
  fc.array(fc.tuple(fc.oneof(fc.constantFrom('alg', 'sig', 'x5c', 'ver', 'response', 'certInfo', 'pubArea'), fc.string({ maxLength: 6 })), fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }))), { maxLength: 4 }).map(
    (entries) => new Map<CborItem, CborItem>(entries),
  ),
  leaf,
  fc.uint8Array({ maxLength: 40 }).map((raw) => ({ raw })),
);

/** A whole plant: the genuine key or any key, with any `fmt` and statement (each sometimes left genuine). */
export const anyPlant: fc.Arbitrary<Plant> = fc.record({
  publicKey: fc.option(anyPublicKey, { nil: undefined, freq: 4 }),
  fmt: fc.option(anyFmt, { nil: undefined, freq: 3 }),
  attStmt: fc.option(anyAttStmt, { nil: undefined, freq: 3 }),
});
