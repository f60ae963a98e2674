/**
 * `@tessera/metadata`: the FIDO Metadata Service (MDS3) for Tessera — a verified metadata BLOB, attestation trust
 * from certified authenticators (never a revoked one), and names to show next to passkeys.
 *
 * The public API is exactly what this file lists; anything else in `src/` is internal.
 *
 * @module
 */

// The BLOB (FIDO MDS3 §3.1–3.2)
export { FIDO_MDS_SIGNER_NAME, verifyMetadataBlob } from './verifyMetadataBlob.ts';
export type { VerifiedMetadataBlob, VerifyMetadataBlobInput } from './verifyMetadataBlob.ts';
export { DEFAULT_MAX_BLOB_BYTES, METADATA_BLOB_ALGORITHMS, parseCompactJws } from './compactJws.ts';
export type { MetadataBlobAlgorithm, ParsedCompactJws } from './compactJws.ts';
export { FIDO_MDS_ROOT_FINGERPRINT_SHA256, fidoMdsRootCertificate } from './fidoMdsRoot.ts';
export { AUTHENTICATOR_STATUSES, metadataBlobPayloadSchema } from './metadataBlobPayload.ts';
export type { MetadataBlobPayload, MetadataEntry, MetadataStatement, StatusReport } from './metadataBlobPayload.ts';
export { DEFAULT_REFUSED_STATUSES, latestStatusReports, refusedStatus } from './authenticatorStatus.ts';

// Trust and names
export { decideAttestationTrust } from './attestationTrustPolicy.ts';
export type { AttestationTrustPolicy, MetadataAttestation } from './attestationTrustPolicy.ts';
export type { AuthenticatorDescription, AuthenticatorNameEntry, AuthenticatorNames } from './authenticatorNames.ts';

// The service
export { DEFAULT_RETRY_AFTER_MS, MetadataService } from './metadataService.ts';
export type { MetadataServiceOptions } from './metadataService.ts';
export type { MetadataSource } from './_blobSource.ts';
export type { DerOrPem } from './_derInputs.ts';
