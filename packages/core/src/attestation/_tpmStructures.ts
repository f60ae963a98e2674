import { invalid } from './_statement.ts';

/*
 * The two TPM 2.0 structures a `tpm` attestation statement carries (WebAuthn L3 §8.3): `certInfo`, a TPMS_ATTEST
 * (TPM 2.0 Part 2 §10.12.8), and `pubArea`, a TPMT_PUBLIC (Part 2 §12.2.4).
 *
 * Written by hand by necessity: these are the TPM's own big-endian marshalling (Part 2 §4–§5: fixed-size
 * integers, TPM2B_ = a UINT16 size then that many bytes, unions selected by an earlier algorithm id), not ASN.1,
 * and no parser for them ships for the web platform. Every read is bounds-checked, every TPM2B size is capped at
 * the largest value its type allows (the `sizeof(...)` bounds of Part 2, with SHA-512 as the largest digest and
 * 4096-bit RSA / P-521 as the largest keys), and a structure must end exactly where its encoding ends: there is
 * no room for bytes the signature covers but this parser ignores (see the RS1 note in tpm.ts).
 */

/** TPM_GENERATED_VALUE (Part 2 §6.2): the `magic` of every structure a TPM signs itself. */
export const TPM_GENERATED_VALUE = 0xff544347;

/** TPM_ST_ATTEST_CERTIFY (Part 2 §6.9): a TPMS_ATTEST made by TPM2_Certify. */
export const TPM_ST_ATTEST_CERTIFY = 0x8017;

/** TPM_ALG_ID values (Part 2 §6.3; TCG Algorithm Registry) that these structures may hold. */
export const TPM_ALG = {
  RSA: 0x0001,
  SHA1: 0x0004,
  SHA256: 0x000b,
  SHA384: 0x000c,
  SHA512: 0x000d,
  NULL: 0x0010,
  RSASSA: 0x0014,
  RSAES: 0x0015,
  RSAPSS: 0x0016,
  OAEP: 0x0017,
  ECDSA: 0x0018,
  ECDH: 0x0019,
  ECDAA: 0x001a,
  SM2: 0x001b,
  ECSCHNORR: 0x001c,
  ECMQV: 0x001d,
  MGF1: 0x0007,
  KDF1_SP800_56A: 0x0020,
  KDF2: 0x0021,
  KDF1_SP800_108: 0x0022,
  ECC: 0x0023,
} as const;

/** TPM_ECC_CURVE values (Part 2 §6.4) of the curves a WebAuthn credential can use (WebAuthn L3 §5.8.5). */
export const TPM_ECC_CURVES: ReadonlyMap<number, 'P-256' | 'P-384' | 'P-521'> = new Map([
  [0x0003, 'P-256'],
  [0x0004, 'P-384'],
  [0x0005, 'P-521'],
] as const);

/** Name algorithms (TPMI_ALG_HASH, Part 2 §9.27) and their WebCrypto digests and sizes. */
export const TPM_HASHES: ReadonlyMap<number, { name: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'; size: number }> = new Map([
  [TPM_ALG.SHA1, { name: 'SHA-1', size: 20 }],
  [TPM_ALG.SHA256, { name: 'SHA-256', size: 32 }],
  [TPM_ALG.SHA384, { name: 'SHA-384', size: 48 }],
  [TPM_ALG.SHA512, { name: 'SHA-512', size: 64 }],
] as const);

/** sizeof(TPMU_HA) with SHA-512 the largest digest (Part 2 §10.3.1): the bound of TPM2B_DIGEST. */
const MAX_DIGEST_BYTES = 64;
/** sizeof(TPMT_HA) (Part 2 §10.3.2): the bound of TPM2B_DATA (§10.4.3) and TPM2B_NAME (§10.5.3). */
const MAX_NAME_BYTES = 2 + MAX_DIGEST_BYTES;
/** MAX_RSA_KEY_BYTES for 4096-bit keys (Part 2 §11.2.4.5 TPM2B_PUBLIC_KEY_RSA). */
const MAX_RSA_KEY_BYTES = 512;
/** MAX_ECC_KEY_BYTES for P-521 (Part 2 §11.2.5.1 TPM2B_ECC_PARAMETER). */
const MAX_ECC_KEY_BYTES = 66;

/** A bounds-checked big-endian reader over one structure. */
class Reader {
  #offset = 0;
  readonly #bytes: Uint8Array;
  readonly #what: string;

  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#what = what;
  }

  take(length: number): Uint8Array {
    if (this.#offset + length > this.#bytes.length) invalid(`${this.#what} is truncated`);
    const slice = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return slice;
  }

  uint16(): number {
    const [high, low] = this.take(2);
    return (high! << 8) | low!;
  }

  uint32(): number {
    const [a, b, c, d] = this.take(4);
    return ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
  }

  /** A TPM2B_ structure (Part 2 §10.4): a UINT16 size, at most `max`, then that many bytes. */
  sized(max: number, field: string): Uint8Array {
    const size = this.uint16();
    if (size > max) invalid(`${this.#what} ${field} is larger than its type allows`);
    return this.take(size);
  }

  end(): void {
    if (this.#offset !== this.#bytes.length) invalid(`${this.#what} has bytes after its end`);
  }
}

/** TPMS_ATTEST of type TPM_ST_ATTEST_CERTIFY (Part 2 §10.12.8, with TPMS_CERTIFY_INFO §10.12.3). */
export interface TpmCertifyInfo {
  /** TPM_GENERATED_VALUE for a structure the TPM made. */
  readonly magic: number;
  /** TPMI_ST_ATTEST; only TPM_ST_ATTEST_CERTIFY is parsed further. */
  readonly type: number;
  /** The qualified name of the signing key (TPM2B_NAME); not checked (§8.3). */
  readonly qualifiedSigner: Uint8Array;
  /** The caller's qualifyingData (TPM2B_DATA); WebAuthn puts the hash of authData || clientDataHash here. */
  readonly extraData: Uint8Array;
  /** TPMS_CERTIFY_INFO.name: the Name of the certified object, nameAlg || digest of its TPMT_PUBLIC. */
  readonly name: Uint8Array;
  /** TPMS_CERTIFY_INFO.qualifiedName; not checked (§8.3). */
  readonly qualifiedName: Uint8Array;
}

/**
 * Parses `certInfo`: a TPMS_ATTEST (TPM 2.0 Part 2 §10.12.8) whose `attested` is a TPMS_CERTIFY_INFO. The
 * clock and firmware fields (TPMS_CLOCK_INFO §10.11.1, UINT64) are read past, as WebAuthn L3 §8.3 ignores them.
 *
 * @param bytes - the statement's `certInfo`
 * @returns its fields
 * @throws {TesseraError} `invalid_attestation` for a truncated or overlong structure, an oversized TPM2B, a
 *   `magic` other than TPM_GENERATED_VALUE or a `type` other than TPM_ST_ATTEST_CERTIFY
 * @internal
 */
export function parseTpmsAttest(bytes: Uint8Array): TpmCertifyInfo {
  const reader = new Reader(bytes, 'certInfo');
  const magic = reader.uint32();
  if (magic !== TPM_GENERATED_VALUE) invalid('certInfo magic is not TPM_GENERATED_VALUE');
  const type = reader.uint16();
  if (type !== TPM_ST_ATTEST_CERTIFY) invalid('certInfo type is not TPM_ST_ATTEST_CERTIFY');
  const qualifiedSigner = reader.sized(MAX_NAME_BYTES, 'qualifiedSigner');
  const extraData = reader.sized(MAX_NAME_BYTES, 'extraData');
  reader.take(8 + 4 + 4 + 1); // clockInfo: clock, resetCount, restartCount, safe
  reader.take(8); // firmwareVersion
  const name = reader.sized(MAX_NAME_BYTES, 'name');
  const qualifiedName = reader.sized(MAX_NAME_BYTES, 'qualifiedName');
  reader.end();
  return { magic, type, qualifiedSigner, extraData, name, qualifiedName };
}

/** The public key a TPMT_PUBLIC holds. */
export type TpmPublicKey =
  | { readonly type: 'RSA'; readonly keyBits: number; readonly exponent: number; readonly modulus: Uint8Array }
  | { readonly type: 'ECC'; readonly curve: number; readonly x: Uint8Array; readonly y: Uint8Array };

/** TPMT_PUBLIC (Part 2 §12.2.4) for an RSA or ECC key. */
export interface TpmPublic {
  /** nameAlg (TPMI_ALG_HASH): the hash of the object's Name. */
  readonly nameAlg: number;
  /** objectAttributes (TPMA_OBJECT, §8.3); not checked (§8.3). */
  readonly objectAttributes: number;
  /** The key, from `parameters` and `unique`. */
  readonly key: TpmPublicKey;
}

/** A TPMI_ALG_HASH that may be NULL in a scheme's details. */
function hashOrNull(reader: Reader): void {
  const alg = reader.uint16();
  if (alg !== TPM_ALG.NULL && !TPM_HASHES.has(alg)) invalid('pubArea names an unknown hash algorithm');
}

/**
 * TPMT_SYM_DEF_OBJECT (Part 2 §11.1.7): NULL, or an algorithm followed by its key size and mode. A
 * signing key's is NULL; others are read to find what follows.
 */
function symmetric(reader: Reader): void {
  if (reader.uint16() !== TPM_ALG.NULL) reader.take(4); // keyBits, mode
}

/** TPMT_RSA_SCHEME (Part 2 §11.2.4.2): NULL, RSAES (no details), or RSASSA/RSAPSS/OAEP with a hash. */
function rsaScheme(reader: Reader): void {
  const scheme = reader.uint16();
  if (scheme === TPM_ALG.NULL || scheme === TPM_ALG.RSAES) return;
  if (scheme !== TPM_ALG.RSASSA && scheme !== TPM_ALG.RSAPSS && scheme !== TPM_ALG.OAEP) invalid('pubArea names an unknown RSA scheme');
  hashOrNull(reader);
}

/** TPMT_ECC_SCHEME (Part 2 §11.2.5.5): NULL, or a scheme with a hash (and ECDAA also a count). */
function eccScheme(reader: Reader): void {
  const scheme = reader.uint16();
  if (scheme === TPM_ALG.NULL) return;
  const known: number[] = [TPM_ALG.ECDSA, TPM_ALG.ECDH, TPM_ALG.ECDAA, TPM_ALG.SM2, TPM_ALG.ECSCHNORR, TPM_ALG.ECMQV];
  if (!known.includes(scheme)) invalid('pubArea names an unknown ECC scheme');
  hashOrNull(reader);
  if (scheme === TPM_ALG.ECDAA) reader.uint16(); // count
}

/** TPMT_KDF_SCHEME (Part 2 §11.2.3.3): NULL, or a KDF with a hash. */
function kdfScheme(reader: Reader): void {
  const scheme = reader.uint16();
  if (scheme === TPM_ALG.NULL) return;
  const known: number[] = [TPM_ALG.MGF1, TPM_ALG.KDF1_SP800_56A, TPM_ALG.KDF2, TPM_ALG.KDF1_SP800_108];
  if (!known.includes(scheme)) invalid('pubArea names an unknown KDF');
  hashOrNull(reader);
}

/**
 * Parses `pubArea`: a TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4) of type TPM_ALG_RSA (TPMS_RSA_PARMS §12.2.3.5 and
 * TPM2B_PUBLIC_KEY_RSA) or TPM_ALG_ECC (TPMS_ECC_PARMS §12.2.3.6 and TPMS_ECC_POINT §11.2.5.2).
 *
 * @param bytes - the statement's `pubArea`
 * @returns the name algorithm, attributes and key
 * @throws {TesseraError} `invalid_attestation` for a truncated or overlong structure, an oversized TPM2B, or a
 *   type, name algorithm or scheme it does not know
 * @internal
 */
export function parseTpmtPublic(bytes: Uint8Array): TpmPublic {
  const reader = new Reader(bytes, 'pubArea');
  const type = reader.uint16();
  const nameAlg = reader.uint16();
  if (!TPM_HASHES.has(nameAlg)) invalid('pubArea nameAlg is not a known hash algorithm');
  const objectAttributes = reader.uint32();
  reader.sized(MAX_DIGEST_BYTES, 'authPolicy');
  let key: TpmPublicKey;
  if (type === TPM_ALG.RSA) {
    symmetric(reader);
    rsaScheme(reader);
    const keyBits = reader.uint16();
    const exponent = reader.uint32();
    const modulus = reader.sized(MAX_RSA_KEY_BYTES, 'unique');
    key = { type: 'RSA', keyBits, exponent, modulus };
  } else if (type === TPM_ALG.ECC) {
    symmetric(reader);
    eccScheme(reader);
    const curve = reader.uint16();
    kdfScheme(reader);
    const x = reader.sized(MAX_ECC_KEY_BYTES, 'unique x');
    const y = reader.sized(MAX_ECC_KEY_BYTES, 'unique y');
    key = { type: 'ECC', curve, x, y };
  } else {
    invalid('pubArea type is neither TPM_ALG_RSA nor TPM_ALG_ECC');
  }
  reader.end();
  return { nameAlg, objectAttributes, key };
}
