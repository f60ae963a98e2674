import { AsnParser } from '@peculiar/asn1-schema';
import { RSAPublicKey } from '@peculiar/asn1-rsa';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { equalBytes } from '../_bytes.ts';
import { parseCoseKey } from '../cose.ts';
import { KEY_OIDS, type Certificate } from './_certificate.ts';
import { invalid } from './_statement.ts';

/*
 * "The public key in the first certificate in x5c matches the credentialPublicKey" (WebAuthn L3 §8.4 step 3,
 * §8.8 step 5): the certificate's SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and the COSE key (RFC 9053 §7, RFC
 * 8230 §4) are compared component by component — the curve and point of an EC key (RFC 5480 §2.2, uncompressed),
 * the modulus and exponent of an RSA key (RFC 8017 §A.1.1, compared as numbers), the 32 bytes of an Ed25519 key
 * (RFC 8410 §4).
 */

/** A big-endian unsigned integer without its leading zero bytes. */
function stripZeros(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

function subjectPublicKey(cert: Certificate): Uint8Array {
  try {
    return new Uint8Array(AsnParser.parse(cert.subjectPublicKeyInfo, SubjectPublicKeyInfo).subjectPublicKey);
  } catch (error) {
    return invalid('the attestation certificate public key is malformed', error);
  }
}

/**
 * Whether a certificate's public key is the credential public key.
 *
 * @param cert - the attestation certificate (the leaf of `x5c`)
 * @param credentialPublicKey - the COSE_Key bytes of the attested credential data (§6.5.1)
 * @returns `true` exactly when both are the same key
 * @throws {TesseraError} `invalid_attestation` if the certificate key is malformed; what `parseCoseKey` throws
 *   for a malformed credential key
 * @internal
 */
export function certificateKeyMatches(cert: Certificate, credentialPublicKey: Uint8Array): boolean {
  const key = parseCoseKey(credentialPublicKey);
  const bits = subjectPublicKey(cert);
  switch (key.kty) {
    case 'EC2':
      return (
        cert.publicKeyAlgorithm === KEY_OIDS.ecPublicKey &&
        cert.publicKeyCurve === KEY_OIDS[key.crv] &&
        bits.length === 1 + key.x.length + key.y.length &&
        bits[0] === 0x04 &&
        equalBytes(bits.subarray(1, 1 + key.x.length), key.x) &&
        equalBytes(bits.subarray(1 + key.x.length), key.y)
      );
    case 'OKP':
      return cert.publicKeyAlgorithm === KEY_OIDS.Ed25519 && equalBytes(bits, key.x);
    case 'RSA': {
      if (cert.publicKeyAlgorithm !== KEY_OIDS.rsaEncryption) return false;
      let rsa: RSAPublicKey;
      try {
        rsa = AsnParser.parse(bits, RSAPublicKey);
      } catch (error) {
        return invalid('the attestation certificate RSA key is malformed', error);
      }
      return (
        equalBytes(stripZeros(new Uint8Array(rsa.modulus)), stripZeros(key.n)) &&
        equalBytes(stripZeros(new Uint8Array(rsa.publicExponent)), stripZeros(key.e))
      );
    }
    case 'AKP':
      // No format that compares the certificate key with the credential key (android-key, apple, tpm) has an
      // ML-DSA certificate key defined yet, so an ML-DSA credential never matches: refused, never assumed.
      return false;
  }
}
