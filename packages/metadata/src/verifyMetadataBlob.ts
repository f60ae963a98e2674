import { TesseraError, isTesseraError } from '@tessera/core';
import { verifyBlobSigner } from './_blobSigner.ts';
import { certificateHostNames, keyMaySignContent } from './_certificate.ts';
import { derStructures, type DerOrPem } from './_derInputs.ts';
import { DEFAULT_MAX_BLOB_BYTES, parseCompactJws } from './compactJws.ts';
import { fidoMdsRootCertificate } from './fidoMdsRoot.ts';
import { metadataBlobPayloadSchema, type MetadataBlobPayload, type MetadataEntry } from './metadataBlobPayload.ts';

/** The host name of the certificate that signs the FIDO Alliance's BLOB (the `x5c` leaf of `https://mds3.fidoalliance.org/`). */
export const FIDO_MDS_SIGNER_NAME = 'mds.fidoalliance.org';

/** Input of {@link verifyMetadataBlob}. */
export interface VerifyMetadataBlobInput {
  /** The BLOB: a compact JWS (FIDO MDS3 §3.1.7), as text or as the bytes of that text. */
  blob: string | Uint8Array;
  /**
   * The trust anchor (or anchors) the `x5c` chain must lead to — DER bytes (a `Uint8Array`, a Node `Buffer`, an
   * `ArrayBuffer`) or PEM text (a string, or a file's bytes; a PEM bundle gives one anchor per certificate); default
   * the root the FIDO Alliance names for MDS3, {@link fidoMdsRootCertificate} (GlobalSign Root R46). With no `x5c`
   * in the BLOB, the anchor itself must have signed it (FIDO MDS3 §3.2 step 5).
   */
  trustAnchor?: DerOrPem | readonly DerOrPem[] | undefined;
  /**
   * CRLs of the chain's issuers (RFC 5280 §5), DER or PEM (`openssl ca -gencrl` writes PEM); every certificate of
   * the path whose issuer has a CRL here is checked against it, and that CRL must verify and be current at `now`.
   */
  crls?: readonly DerOrPem[] | undefined;
  /** The validation time, epoch ms; default `Date.now()`. */
  now?: number | undefined;
  /** The `no` of the BLOB already loaded: this BLOB's must be greater (FIDO MDS3 §3.1.6, §3.2). */
  previousNumber?: number | undefined;
  /** The largest BLOB accepted, in bytes; default {@link DEFAULT_MAX_BLOB_BYTES} (24 MiB). */
  maxBytes?: number | undefined;
  /**
   * The DNS name the signer certificate must be for (its subjectAltName or commonName). Default:
   * {@link FIDO_MDS_SIGNER_NAME} when `trustAnchor` is the default root, since GlobalSign Root R46 is a public web
   * root under which anyone can get a certificate; `null` (no name check) with a `trustAnchor` of your own.
   */
  signerName?: string | null | undefined;
}

/** A verified BLOB, its entries indexed for lookups. */
export interface VerifiedMetadataBlob {
  /** The BLOB's serial number (FIDO MDS3 §3.1.6). */
  no: number;
  /** When the next BLOB is due, `YYYY-MM-DD`. */
  nextUpdate: string;
  /** `nextUpdate` as epoch ms (midnight UTC of that day). */
  nextUpdateTime: number;
  /** The legal terms the BLOB is published under. */
  legalHeader: string | undefined;
  /** Every entry, in BLOB order. */
  entries: MetadataEntry[];
  /** Entries by AAGUID (lower-case 8-4-4-4-12); the first entry wins when two claim the same AAGUID. */
  byAaguid: ReadonlyMap<string, MetadataEntry>;
  /** Entries by attestation certificate key identifier (lower-case hex, FIDO MDS3 §3.1.1); the first entry wins. */
  byAttestationCertificateKeyIdentifier: ReadonlyMap<string, MetadataEntry>;
  /** The signer's certification path that validated, DER, signer first. */
  signerPath: Uint8Array[];
}

/**
 * Verifies a FIDO Metadata Service BLOB (FIDO MDS3 §3.2 "Metadata BLOB object processing rules") and indexes its
 * entries:
 *
 * 1. parses the compact JWS strictly, within `maxBytes` (an asymmetric `alg`, never `none` or HMAC; an `x5c` chain,
 *    or none when the trust anchor signed, §3.2 step 5; an `x5u` alone is refused, never fetched);
 * 2. validates the `x5c` chain to the trust anchor at `now` (signatures, validity, CA constraints, key usage, RFC
 *    5280 §6.1) with the core's `validateCertificateChain`, checking `crls` when given, the signer's name, and that
 *    the signer's keyUsage, when present, allows digitalSignature or nonRepudiation (RFC 5280 §4.2.1.3);
 * 3. verifies the JWS signature over the exact bytes received with the signer's key (WebCrypto);
 * 4. checks the payload's schema (§3.1.6, §3.1.1, §3.1.3; Metadata Statement §4);
 * 5. refuses a `no` not greater than `previousNumber` (§3.1.6: each new BLOB has a greater serial number).
 *
 * @param input - the BLOB and what to verify it against; see {@link VerifyMetadataBlobInput}
 * @returns the BLOB's serial number, `nextUpdate`, legal header and entries, indexed by AAGUID and key identifier
 * @throws {TesseraError} `invalid_metadata` for a malformed BLOB, a bad signature or a payload that fails its
 *   schema; `invalid_certificate_chain` when `x5c` does not lead to the anchor (wrong root, an expired signer, a
 *   signer whose keyUsage forbids signing);
 *   `certificate_revoked` when a CRL lists a certificate of the path; `metadata_replayed` for a `no` not greater than
 *   `previousNumber`; `invalid_argument` for bad options (a `trustAnchor` or CRL that is neither DER nor PEM)
 * @example
 * ```ts
 * // Fragment: `blobText` is what https://mds3.fidoalliance.org/ served, saved by your deployment.
 * const metadata = await verifyMetadataBlob({ blob: blobText });
 * const yubiKey = metadata.byAaguid.get('cb69481e-8ff7-4039-93ec-0a2729a154a8');
 * ```
 */
export async function verifyMetadataBlob(input: VerifyMetadataBlobInput): Promise<VerifiedMetadataBlob> {
  const now = input.now ?? Date.now();
  if (!Number.isFinite(now)) throw new TesseraError('invalid_argument', 'now must be a finite epoch time in ms.');
  const { previousNumber } = input;
  if (previousNumber !== undefined && !Number.isSafeInteger(previousNumber)) {
    throw new TesseraError('invalid_argument', 'previousNumber must be an integer.');
  }
  const anchorInputs: readonly unknown[] = input.trustAnchor === undefined ? [fidoMdsRootCertificate()] : Array.isArray(input.trustAnchor) ? input.trustAnchor : [input.trustAnchor];
  const anchors = derStructures(anchorInputs, 'CERTIFICATE', 'trustAnchor');
  if (anchors.length === 0) throw new TesseraError('invalid_argument', 'trustAnchor must be a certificate, or a non-empty list of them.');
  if (input.crls !== undefined && !Array.isArray(input.crls)) throw new TesseraError('invalid_argument', 'crls must be a list of CRLs, DER or PEM.');
  const crls = input.crls === undefined ? undefined : derStructures(input.crls, 'X509 CRL', 'crls');
  const signerName = input.signerName === undefined ? (input.trustAnchor === undefined ? FIDO_MDS_SIGNER_NAME : null) : input.signerName;
  try {
    const jws = parseCompactJws(input.blob, input.maxBytes ?? DEFAULT_MAX_BLOB_BYTES);
    const { path: signerPath } = await verifyBlobSigner(jws, anchors, now, crls, (signer) => {
      if (signerName !== null && !certificateHostNames(signer).includes(signerName.toLowerCase())) {
        throw new TesseraError('invalid_metadata', `The metadata BLOB signer's certificate is not for ${signerName}.`);
      }
      if (!keyMaySignContent(signer)) {
        throw new TesseraError('invalid_certificate_chain', "The metadata BLOB signer's certificate does not allow digital signatures (RFC 5280 §4.2.1.3 keyUsage).");
      }
    });
    const parsed = metadataBlobPayloadSchema.safeParse(jws.payload);
    if (!parsed.success) {
      throw new TesseraError('invalid_metadata', 'The metadata BLOB payload does not match FIDO MDS3 §3.1.6.', { cause: parsed.error });
    }
    const payload: MetadataBlobPayload = parsed.data;
    if (previousNumber !== undefined && payload.no <= previousNumber) {
      throw new TesseraError('metadata_replayed', `The metadata BLOB's serial number ${payload.no} is not greater than ${previousNumber} (FIDO MDS3 §3.1.6).`);
    }
    return { ...indexEntries(payload.entries), no: payload.no, nextUpdate: payload.nextUpdate, nextUpdateTime: Date.parse(`${payload.nextUpdate}T00:00:00Z`), legalHeader: payload.legalHeader, signerPath };
  } catch (error) {
    if (isTesseraError(error)) throw error;
    throw new TesseraError('invalid_metadata', 'The metadata BLOB could not be verified.', { cause: error });
  }
}

/** The entries and their two indexes. */
function indexEntries(entries: MetadataEntry[]): Pick<VerifiedMetadataBlob, 'entries' | 'byAaguid' | 'byAttestationCertificateKeyIdentifier'> {
  const byAaguid = new Map<string, MetadataEntry>();
  const byAttestationCertificateKeyIdentifier = new Map<string, MetadataEntry>();
  for (const entry of entries) {
    const aaguid = entry.aaguid ?? entry.metadataStatement?.aaguid;
    if (aaguid !== undefined && !byAaguid.has(aaguid)) byAaguid.set(aaguid, entry);
    for (const identifier of entry.attestationCertificateKeyIdentifiers ?? entry.metadataStatement?.attestationCertificateKeyIdentifiers ?? []) {
      if (!byAttestationCertificateKeyIdentifier.has(identifier)) byAttestationCertificateKeyIdentifier.set(identifier, entry);
    }
  }
  return { entries, byAaguid, byAttestationCertificateKeyIdentifier };
}
