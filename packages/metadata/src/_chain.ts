import { TesseraError, isTesseraError, validateCertificateChain } from '@tessera/core';

/*
 * Chain validation to trust anchors (RFC 5280 §6.1) with the core's `validateCertificateChain`, for chains whose
 * tail the sender controls: certificates at the end of the chain that are themselves anchors are dropped (RFC 5280
 * §6.1: the anchor is an input, not part of the path), and when the whole chain does not lead to an anchor, each
 * shorter prefix is tried, so a chain ending with a cross-certificate (MDS3's x5c may end with GlobalSign Root R46
 * cross-signed by Root CA - R3) validates against the anchor that issued the certificate below it.
 */

/** Most prefixes tried: chains are at most 8 certificates long where this is used. */
const MAX_ATTEMPTS = 8;

/**
 * Validates `chain` (leaf first) to one of `anchors`.
 *
 * @param chain - DER certificates, leaf first
 * @param anchors - DER trust anchors
 * @param now - the validation time, epoch ms
 * @param crls - DER CRLs to check revocation with (RFC 5280 §6.3), if any
 * @returns the certificates of the path that validated, leaf first
 * @throws {TesseraError} `certificate_revoked` when a path to an anchor exists but a certificate on it is revoked;
 *   otherwise the core's error for the whole chain (`invalid_certificate_chain`)
 * @internal
 */
export async function validateChainToAnchors(
  chain: readonly Uint8Array[],
  anchors: readonly Uint8Array[],
  now: number,
  crls: readonly Uint8Array[] | undefined,
): Promise<Uint8Array[]> {
  let end = chain.length;
  while (end > 1 && anchors.some((anchor) => equalBytes(anchor, chain[end - 1] as Uint8Array))) end--;
  let wholeChainError: unknown;
  let revoked: unknown;
  for (let length = end, attempts = 0; length >= 1 && attempts < MAX_ATTEMPTS; length--, attempts++) {
    const path = chain.slice(0, length);
    try {
      await validateCertificateChain({ chain: path, anchors, now, ...(crls === undefined ? {} : { crls }) });
      return path;
    } catch (error) {
      if (!isTesseraError(error)) throw error;
      if (wholeChainError === undefined) wholeChainError = error;
      if (revoked === undefined && isTesseraError(error, 'certificate_revoked')) revoked = error;
    }
  }
  throw revoked ?? wholeChainError ?? new TesseraError('invalid_certificate_chain', 'The certificate chain is empty.');
}

/** Byte equality. */
function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}
