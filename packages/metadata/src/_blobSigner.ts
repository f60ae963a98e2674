import { TesseraError, isTesseraError } from '@tessera/core';
import type { Certificate } from '@peculiar/asn1-x509';
import { parseCertificate, subjectPublicKeyInfo } from './_certificate.ts';
import { validateChainToAnchors } from './_chain.ts';
import { verifyJwsSignature } from './_jwsSignature.ts';
import type { ParsedCompactJws } from './compactJws.ts';

/*
 * Who signed a metadata BLOB (FIDO MDS3 §3.2 steps 4–6): the first certificate of `x5c` once that chain validates
 * to a trust anchor (RFC 5280 §6.1); or, when the header has neither `x5c` nor `x5u`, the trust anchor itself
 * ("Metadata BLOB signing trust anchor is considered the BLOB signing certificate chain", step 5) — the anchor whose
 * key verifies the signature, valid at `now`. Either way the signature is verified over the exact signing input.
 */

/** The BLOB's signer. */
export interface BlobSigner {
  /** The signer's certification path, DER, signer first (the anchor alone when it signed). */
  path: Uint8Array[];
  /** The signer's certificate, parsed. */
  certificate: Certificate;
}

/**
 * Finds and checks the BLOB's signer, then verifies the JWS signature with its key.
 *
 * @param jws - the parsed BLOB
 * @param anchors - DER trust anchors
 * @param now - the validation time, epoch ms
 * @param crls - DER CRLs, if any
 * @param checkSigner - further checks on the signer's certificate before its signature is verified (name, key usage)
 * @returns the signer
 * @throws {TesseraError} `invalid_certificate_chain` or `certificate_revoked` from path validation;
 *   `invalid_metadata` when the signature does not verify (with no `x5c`: under no anchor's key)
 * @internal
 */
export async function verifyBlobSigner(
  jws: ParsedCompactJws,
  anchors: readonly Uint8Array[],
  now: number,
  crls: readonly Uint8Array[] | undefined,
  checkSigner: (signer: Certificate) => void,
): Promise<BlobSigner> {
  if (jws.x5c.length > 0) {
    const path = await validateChainToAnchors(jws.x5c, anchors, now, crls);
    const certificate = parseCertificate(jws.x5c[0] as Uint8Array, 'invalid_metadata');
    checkSigner(certificate);
    await verifyJwsSignature(jws.alg, subjectPublicKeyInfo(certificate), jws.signingInput, jws.signature);
    return { path, certificate };
  }
  for (const anchor of anchors) {
    const certificate = parseCertificate(anchor, 'invalid_argument');
    try {
      await verifyJwsSignature(jws.alg, subjectPublicKeyInfo(certificate), jws.signingInput, jws.signature);
    } catch (error) {
      if (isTesseraError(error, 'invalid_metadata')) continue;
      throw error;
    }
    // The anchor's own validity at `now` (RFC 5280 §6.1.1 (d) trusts it as given, but not after it expired).
    const path = await validateChainToAnchors([anchor], [anchor], now, crls);
    checkSigner(certificate);
    return { path, certificate };
  }
  throw new TesseraError('invalid_metadata', "The metadata BLOB has no x5c and its signature verifies with no trust anchor's key (FIDO MDS3 §3.2 step 5).");
}
