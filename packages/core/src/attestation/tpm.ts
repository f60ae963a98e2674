import { concatBytes } from '@noble/hashes/utils.js';
import { equalBytes } from '../_bytes.ts';
import { COSE_ALGORITHMS, MAX_RSA_MODULUS_BITS, MIN_RSA_MODULUS_BITS, parseCoseKey } from '../cose.ts';
import { TesseraError } from '../errors.ts';
import { KEY_OIDS, parseCertificateChain, verifyWithCertificate, type Certificate } from './_certificate.ts';
import { bytesMember, checkMembers, checkValidity, invalid, trustPathOf } from './_statement.ts';
import { checkAikCertificate } from './_tpmCertificate.ts';
import { TPM_ECC_CURVES, TPM_HASHES, parseTpmsAttest, parseTpmtPublic, type TpmPublicKey } from './_tpmStructures.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/*
 * `tpm` attestation (WebAuthn L3 §8.3): a TPM 2.0 certifies, with its attestation identity key (AIK), that it
 * holds the credential key (TPM2_Certify, TPM 2.0 Part 3 §18.2), and an AIK certificate chain in `x5c` vouches
 * for the AIK.
 *
 * RS1 (RSASSA-PKCS1-v1_5 with SHA-1). Windows Hello's AIKs sign with `alg` -65535, and this verifier accepts
 * that for the statement's own signature — whatever `allowRS1` says, which governs only RS1 *credentials*
 * (§5.8.5; the credential key here is typically RS256 or ES256 and is checked against `algorithms` by the
 * registration). Refusing it would refuse nearly every Windows Hello attestation. What a SHA-1 collision would buy:
 *
 * - A forged `certInfo` signed by a genuine AIK needs the AIK to sign a message with the same SHA-1. The AIK is a
 *   restricted TPM key: it signs only structures the TPM builds itself (they begin with TPM_GENERATED_VALUE), or
 *   an external digest with a TPM2_Hash ticket, which the TPM refuses for data beginning with that value (TPM 2.0
 *   Part 1, restricted signing keys). So the colliding pair would have to be a TPM-built TPMS_ATTEST and either
 *   another TPMS_ATTEST (an identical-prefix collision) or a foreign message (a chosen-prefix one). Known SHA-1
 *   collisions need at least two (identical-prefix) and several more (chosen-prefix) consecutive 64-byte blocks
 *   of attacker-chosen bytes in both messages. `parseTpmsAttest` accepts no trailing bytes and caps every
 *   variable field at its type's size (66 bytes), and the fields this verifier checks (`extraData`, the Name)
 *   are digests fixed by the credential and challenge, so a TPMS_ATTEST accepted here has no room for collision
 *   blocks.
 * - `extraData` is SHA-1(authData || clientDataHash): replaying an old attestation for a new challenge needs a
 *   second preimage of a digest over a fresh, server-chosen challenge, which no known SHA-1 attack gives.
 *   Whoever can ask a genuine TPM to certify may set `extraData` freely anyway; the binding that matters is that
 *   the certified Name is that of `pubArea`, and `pubArea` is the credential key.
 * - A SHA-1 `nameAlg` (§8.3 allows any) makes the Name a SHA-1 of `pubArea`. Colliding two `pubArea`s needs
 *   chosen blocks in both, but the certified one holds a key the TPM generated, whose `unique` no one chooses,
 *   and `authPolicy`, the only free field, is at most 64 bytes. Windows Hello uses SHA-256.
 *
 * A statement's `sig` is the bare signature, as every deployed TPM statement carries it (not the TPMT_SIGNATURE
 * wrapper §8.3's field description mentions).
 */

type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

const { RS1, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 } = COSE_ALGORITHMS;

/** The hash of each `alg` a TPM can sign with (RFC 8812 §2, RFC 8230 §2, RFC 9053 §2.1). */
const HASH_OF_ALG: ReadonlyMap<number, HashName> = new Map<number, HashName>([
  [RS1, 'SHA-1'],
  [RS256, 'SHA-256'],
  [PS256, 'SHA-256'],
  [ES256, 'SHA-256'],
  [RS384, 'SHA-384'],
  [PS384, 'SHA-384'],
  [ES384, 'SHA-384'],
  [RS512, 'SHA-512'],
  [PS512, 'SHA-512'],
  [ES512, 'SHA-512'],
]);

function subtle(): SubtleCrypto {
  const subtleCrypto = globalThis.crypto?.subtle;
  if (subtleCrypto === undefined) throw new TesseraError('unsupported_algorithm', 'WebCrypto (crypto.subtle) is not available.');
  return subtleCrypto;
}

async function digest(hash: HashName, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest(hash, data as Uint8Array<ArrayBuffer>));
}

/** Big-endian bytes without leading zeros: the integer they encode. */
function integerBytes(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** RSA public exponent bytes as a number, or `undefined` above 2^32 (a TPM's exponent is a UINT32). */
function exponentOf(bytes: Uint8Array): number | undefined {
  const value = integerBytes(bytes);
  if (value.length > 4) return undefined;
  return value.reduce((sum, byte) => sum * 256 + byte, 0);
}

/**
 * §8.3: "the public key specified by the parameters and unique fields of pubArea is identical to the
 * credentialPublicKey". RSA: the same modulus, `unique` exactly `keyBits` long, and the same exponent, where a
 * TPM exponent of 0 means the default 2^16 + 1 (TPM 2.0 Part 2 §12.2.3.5). ECC: the same curve and point.
 */
function checkSameKey(tpmKey: TpmPublicKey, credentialPublicKey: Uint8Array): void {
  const credential = parseCoseKey(credentialPublicKey);
  if (tpmKey.type === 'RSA' && credential.kty === 'RSA') {
    if (tpmKey.modulus.length * 8 !== tpmKey.keyBits) invalid('pubArea unique is not keyBits long');
    if (!equalBytes(integerBytes(tpmKey.modulus), integerBytes(credential.n))) invalid('pubArea holds another key than the credential');
    const exponent = tpmKey.exponent === 0 ? 65_537 : tpmKey.exponent;
    if (exponentOf(credential.e) !== exponent) invalid('pubArea holds another key than the credential');
    return;
  }
  if (tpmKey.type === 'ECC' && credential.kty === 'EC2') {
    if (TPM_ECC_CURVES.get(tpmKey.curve) !== credential.crv) invalid('pubArea holds another key than the credential');
    if (!equalBytes(integerBytes(tpmKey.x), integerBytes(credential.x)) || !equalBytes(integerBytes(tpmKey.y), integerBytes(credential.y))) {
      invalid('pubArea holds another key than the credential');
    }
    return;
  }
  invalid('pubArea holds another type of key than the credential');
}

/**
 * Verifies an RS1 signature with the AIK certificate's RSA key (RFC 8812 §2; see the RS1 note above for why a
 * `tpm` statement may use it).
 */
async function verifyRs1(cert: Certificate, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (cert.publicKeyAlgorithm !== KEY_OIDS.rsaEncryption) invalid("the attestation certificate's key cannot make RS1 signatures");
  let key: CryptoKey;
  try {
    key = await subtle().importKey('spki', cert.subjectPublicKeyInfo as Uint8Array<ArrayBuffer>, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' }, false, ['verify']);
  } catch (error) {
    invalid('WebCrypto could not import the attestation certificate key', error);
  }
  const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
  if (bits < MIN_RSA_MODULUS_BITS || bits > MAX_RSA_MODULUS_BITS) invalid(`the attestation certificate's RSA key is outside ${MIN_RSA_MODULUS_BITS}–${MAX_RSA_MODULUS_BITS} bits`);
  // RFC 8017 §8.2.2 step 1: the signature is as long as the modulus.
  if (signature.length !== Math.ceil(bits / 8)) invalid('an RSA signature is as long as the modulus');
  try {
    return await subtle().verify({ name: 'RSASSA-PKCS1-v1_5' }, key, signature as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch (error) {
    invalid('WebCrypto could not verify the attestation signature', error);
  }
}

/**
 * `tpm` (WebAuthn L3 §8.3 verification procedure, §8.3.1 certificate requirements).
 *
 * @param input - the statement and what it attests
 * @param now - when every `x5c` certificate must be valid, epoch milliseconds
 * @returns type `AttCA` and the `x5c` chain as trust path
 * @throws {TesseraError} `invalid_attestation` if any step fails; `unsupported_algorithm` for an `alg` a TPM
 *   statement cannot use; `malformed_public_key` for a malformed credential key
 * @internal
 */
export async function verifyTpm(input: AttestationStatementInput, now: number): Promise<AttestationStatementResult> {
  const { attStmt, authenticatorData } = input;
  // §8.3 syntax; ECDAA (ecdaaKeyId) was removed from WebAuthn Level 2 on.
  if (attStmt.has('ecdaaKeyId')) invalid('ECDAA ("ecdaaKeyId") is not supported');
  checkMembers(attStmt, ['ver', 'alg', 'x5c', 'sig', 'certInfo', 'pubArea']);
  if (attStmt.get('ver') !== '2.0') invalid('"ver" is not "2.0"');
  const alg = attStmt.get('alg');
  if (typeof alg !== 'number' || !Number.isSafeInteger(alg)) invalid('"alg" is not an integer');
  const sig = bytesMember(attStmt, 'sig');
  const certInfoBytes = bytesMember(attStmt, 'certInfo');
  const pubAreaBytes = bytesMember(attStmt, 'pubArea');
  const { credentialPublicKey, aaguid } = authenticatorData.attestedCredentialData;

  // pubArea is the credential public key.
  const pubArea = parseTpmtPublic(pubAreaBytes);
  checkSameKey(pubArea.key, credentialPublicKey);

  // The AIK certificate (§8.3.1, and its AAGUID extension), every certificate valid at `now`.
  const certificates = parseCertificateChain(attStmt.get('x5c'));
  const aik = certificates[0]!;
  checkAikCertificate(aik, aaguid);
  checkValidity(certificates, now);

  // certInfo: magic and type (in parseTpmsAttest), extraData, and the certified Name.
  const certInfo = parseTpmsAttest(certInfoBytes);
  const hash = HASH_OF_ALG.get(alg);
  if (hash === undefined) throw new TesseraError('unsupported_algorithm', 'The tpm attestation statement uses an algorithm a TPM statement cannot use.');
  const attToBeSigned = concatBytes(input.authData, input.clientDataHash);
  if (!equalBytes(certInfo.extraData, await digest(hash, attToBeSigned))) invalid('certInfo extraData is not the hash of authData and clientDataHash');
  // TPM 2.0 Part 1 §16: Name = nameAlg (UINT16) || H_nameAlg(TPMT_PUBLIC).
  const nameHash = TPM_HASHES.get(pubArea.nameAlg)!;
  const name = concatBytes(Uint8Array.of(pubArea.nameAlg >> 8, pubArea.nameAlg & 0xff), await digest(nameHash.name, pubAreaBytes));
  if (!equalBytes(certInfo.name, name)) invalid('certInfo does not certify pubArea');

  // sig over certInfo with the AIK, using alg.
  const valid = alg === RS1 ? await verifyRs1(aik, sig, certInfoBytes) : await verifyWithCertificate(aik, alg, sig, certInfoBytes);
  if (!valid) invalid('the signature does not verify with the attestation certificate');
  return { fmt: 'tpm', type: 'AttCA', trustPath: trustPathOf(certificates) };
}
