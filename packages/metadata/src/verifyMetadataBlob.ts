import { TesseraError, isTesseraError } from '@tessera/core';
import { certificateHostNames, parseCertificate, subjectPublicKeyInfo } from './_certificate.ts';
import { validateChainToAnchors } from './_chain.ts';
import { verifyJwsSignature } from './_jwsSignature.ts';
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
   * The DER trust anchor (or anchors) the `x5c` chain must lead to; default the root the FIDO Alliance names for
   * MDS3, {@link fidoMdsRootCertificate} (GlobalSign Root R46).
   */
  trustAnchor?: Uint8Array | readonly Uint8Array[] | undefined;
  /** DER CRLs of the chain's issuers (RFC 5280 §5); every certificate of the path is checked against them when given. */
  crls?: readonly Uint8Array[] | undefined;
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
 * 1. parses the compact JWS strictly, within `maxBytes` (an asymmetric `alg`, never `none` or HMAC; an `x5c` chain);
 * 2. validates the `x5c` chain to the trust anchor at `now` (signatures, validity, CA constraints, key usage, RFC
 *    5280 §6.1) with the core's `validateCertificateChain`, checking `crls` when given, and the signer's name;
 * 3. verifies the JWS signature with the signer's key (WebCrypto);
 * 4. checks the payload's schema (§3.1.6, §3.1.1, §3.1.3; Metadata Statement §4);
 * 5. refuses a `no` not greater than `previousNumber` (§3.1.6: each new BLOB has a greater serial number).
 *
 * @param input - the BLOB and what to verify it against; see {@link VerifyMetadataBlobInput}
 * @returns the BLOB's serial number, `nextUpdate`, legal header and entries, indexed by AAGUID and key identifier
 * @throws {TesseraError} `invalid_metadata` for a malformed BLOB, a bad signature or a payload that fails its
 *   schema; `invalid_certificate_chain` when `x5c` does not lead to the anchor (wrong root, an expired signer);
 *   `certificate_revoked` when a CRL lists a certificate of the path; `metadata_replayed` for a `no` not greater than
 *   `previousNumber`; `invalid_argument` for bad options
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
  const anchors = input.trustAnchor === undefined ? [fidoMdsRootCertificate()] : input.trustAnchor instanceof Uint8Array ? [input.trustAnchor] : [...input.trustAnchor];
  if (anchors.length === 0 || !anchors.every((anchor) => anchor instanceof Uint8Array)) {
    throw new TesseraError('invalid_argument', 'trustAnchor must be DER certificate bytes, or a non-empty list of them.');
  }
  const signerName = input.signerName === undefined ? (input.trustAnchor === undefined ? FIDO_MDS_SIGNER_NAME : null) : input.signerName;
  try {
    const jws = parseCompactJws(input.blob, input.maxBytes ?? DEFAULT_MAX_BLOB_BYTES);
    const signerPath = await validateChainToAnchors(jws.x5c, anchors, now, input.crls);
    const signer = parseCertificate(jws.x5c[0] as Uint8Array, 'invalid_metadata');
    if (signerName !== null && !certificateHostNames(signer).includes(signerName.toLowerCase())) {
      throw new TesseraError('invalid_metadata', `The metadata BLOB signer's certificate is not for ${signerName}.`);
    }
    await verifyJwsSignature(jws.alg, subjectPublicKeyInfo(signer), jws.signingInput, jws.signature);
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
