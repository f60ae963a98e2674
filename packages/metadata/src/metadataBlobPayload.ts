import { z } from 'zod';

/*
 * The payload of a metadata BLOB (FIDO MDS3 §3.1.6 "Metadata BLOB Payload dictionary"), its entries (§3.1.1
 * "Metadata BLOB Payload Entry dictionary"), status reports (§3.1.3, §3.1.4) and the metadata statements they
 * carry (FIDO Metadata Statement §4 "Metadata Keys"). Members this library reads are typed and checked; members it
 * does not read are kept as they came (the objects are loose), so a new member in a future BLOB neither breaks
 * loading nor disappears. Identifiers are normalized to lower case so lookups are exact.
 */

/** The authenticator statuses of FIDO MDS3 §3.1.4 ("AuthenticatorStatus enum"). A BLOB may carry others later. */
export const AUTHENTICATOR_STATUSES: readonly string[] = [
  'NOT_FIDO_CERTIFIED',
  'FIDO_CERTIFIED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
  'UPDATE_AVAILABLE',
  'REVOKED',
  'SELF_ASSERTION_SUBMITTED',
  'FIDO_CERTIFIED_L1',
  'FIDO_CERTIFIED_L1plus',
  'FIDO_CERTIFIED_L2',
  'FIDO_CERTIFIED_L2plus',
  'FIDO_CERTIFIED_L3',
  'FIDO_CERTIFIED_L3plus',
];

/** A status report (FIDO MDS3 §3.1.3): one event in an authenticator's certification history. */
export interface StatusReport {
  [member: string]: unknown;
  /** The status (§3.1.4), for example `FIDO_CERTIFIED_L1` or `REVOKED`. */
  status: string;
  /** When the status took effect, ISO 8601 `YYYY-MM-DD`; absent in some reports. */
  effectiveDate?: string | undefined;
  /** The authenticator version the report applies to. */
  authenticatorVersion?: number | undefined;
  /** A URL with more about the status (a certificate, an advisory). */
  url?: string | undefined;
  certificationDescriptor?: string | undefined;
  certificateNumber?: string | undefined;
  certificationPolicyVersion?: string | undefined;
  certificationRequirementsVersion?: string | undefined;
}

/** A metadata statement (FIDO Metadata Statement §4): what the vendor states about an authenticator model. */
export interface MetadataStatement {
  [member: string]: unknown;
  legalHeader?: string | undefined;
  /** The AAGUID (FIDO2 authenticators), lower-case 8-4-4-4-12. */
  aaguid?: string | undefined;
  /** The AAID (UAF authenticators). */
  aaid?: string | undefined;
  /** Key identifiers of the attestation certificates (U2F authenticators), lower-case hex. */
  attestationCertificateKeyIdentifiers?: string[] | undefined;
  /** The model's name in English, for example `YubiKey 5 Series`. */
  description: string;
  /** The name in other languages, keyed by IETF language tag. */
  alternativeDescriptions?: Record<string, string> | undefined;
  authenticatorVersion?: number | undefined;
  /** `fido2`, `u2f` or `uaf`. */
  protocolFamily?: string | undefined;
  schema?: number | undefined;
  /** Attestation types the authenticator uses: `basic_full`, `basic_surrogate`, `attca`, `anonca`, `none`, `ecdaa`. */
  attestationTypes: string[];
  /**
   * The trust anchors of the model's attestation (FIDO Metadata Statement §4 `attestationRootCertificates`):
   * standard base64 DER, each a root or intermediate certificate an attestation chain must lead to.
   */
  attestationRootCertificates: string[];
  /** The model's icon, a `data:` URL (RFC 2397) of a PNG. */
  icon?: string | undefined;
  keyProtection?: string[] | undefined;
  matcherProtection?: string[] | undefined;
  attachmentHint?: string[] | undefined;
  /** The authenticator's `authenticatorGetInfo` (CTAP 2 §6.4), as JSON. */
  authenticatorGetInfo?: Record<string, unknown> | undefined;
}

/** An entry of the BLOB (FIDO MDS3 §3.1.1): one authenticator model, its statement and its status history. */
export interface MetadataEntry {
  [member: string]: unknown;
  /** The AAGUID (FIDO2), lower-case 8-4-4-4-12. */
  aaguid?: string | undefined;
  /** The AAID (UAF). */
  aaid?: string | undefined;
  /** Key identifiers of attestation certificates (U2F), lower-case hex: SHA-1 of the subjectPublicKey (RFC 5280 §4.2.1.2 method 1). */
  attestationCertificateKeyIdentifiers?: string[] | undefined;
  /** The metadata statement, when the model has one. */
  metadataStatement?: MetadataStatement | undefined;
  /** The status history (§3.1.3); which report is the latest is decided by `effectiveDate`, see `latestStatusReports`. */
  statusReports: StatusReport[];
  /** When the status last changed, `YYYY-MM-DD`. */
  timeOfLastStatusChange?: string | undefined;
}

/** The BLOB's payload (FIDO MDS3 §3.1.6). */
export interface MetadataBlobPayload {
  [member: string]: unknown;
  /** The legal terms the BLOB is published under. */
  legalHeader?: string | undefined;
  /** The serial number of this BLOB; each BLOB the service publishes has a greater one (§3.1.6). */
  no: number;
  /** When the next BLOB is due, `YYYY-MM-DD` (§3.1.6): clients refresh then, and may keep using this one until it arrives. */
  nextUpdate: string;
  /** The authenticator models. */
  entries: MetadataEntry[];
}

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(?:[0-9a-f]{2}){1,64}$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date `YYYY-MM-DD` (ISO 8601), as MDS3 writes `nextUpdate` and `effectiveDate`. */
function isIsoDate(text: string): boolean {
  const match = DATE.exec(text);
  if (match === null) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

const isoDate = z.string().refine(isIsoDate, 'must be a date YYYY-MM-DD');
const aaguid = z
  .string()
  .regex(AAGUID, 'must be an AAGUID 8-4-4-4-12')
  .transform((value) => value.toLowerCase());
const keyIdentifiers = z.array(
  z
    .string()
    .regex(HEX, 'must be a hex key identifier')
    .transform((value) => value.toLowerCase()),
);

const statusReportSchema: z.ZodType<StatusReport> = z.looseObject({
  status: z.string().min(1),
  effectiveDate: isoDate.optional(),
  authenticatorVersion: z.number().optional(),
  url: z.string().optional(),
  certificationDescriptor: z.string().optional(),
  certificateNumber: z.string().optional(),
  certificationPolicyVersion: z.string().optional(),
  certificationRequirementsVersion: z.string().optional(),
});

const metadataStatementSchema: z.ZodType<MetadataStatement> = z.looseObject({
  legalHeader: z.string().optional(),
  aaguid: aaguid.optional(),
  aaid: z.string().optional(),
  attestationCertificateKeyIdentifiers: keyIdentifiers.optional(),
  description: z.string().max(1000),
  alternativeDescriptions: z.record(z.string(), z.string()).optional(),
  authenticatorVersion: z.number().optional(),
  protocolFamily: z.string().optional(),
  schema: z.number().optional(),
  // Both required by Metadata Statement §4; read leniently (absent = none), which can only make trust fail.
  attestationTypes: z.array(z.string()).default([]),
  attestationRootCertificates: z.array(z.string()).default([]),
  icon: z.string().optional(),
  keyProtection: z.array(z.string()).optional(),
  matcherProtection: z.array(z.string()).optional(),
  attachmentHint: z.array(z.string()).optional(),
  authenticatorGetInfo: z.record(z.string(), z.unknown()).optional(),
});

const metadataEntrySchema: z.ZodType<MetadataEntry> = z.looseObject({
  aaguid: aaguid.optional(),
  aaid: z.string().optional(),
  attestationCertificateKeyIdentifiers: keyIdentifiers.optional(),
  metadataStatement: metadataStatementSchema.optional(),
  statusReports: z.array(statusReportSchema),
  timeOfLastStatusChange: isoDate.optional(),
});

/**
 * The schema of a BLOB payload (FIDO MDS3 §3.1.6): `no` a non-negative safe integer, `nextUpdate` a date, every
 * entry with its `statusReports` and, when present, a statement with a `description` (`attestationTypes` and
 * `attestationRootCertificates` read as empty when absent, so such a model is never trusted by attestation);
 * AAGUIDs and key identifiers well-formed (and made lower-case).
 */
export const metadataBlobPayloadSchema: z.ZodType<MetadataBlobPayload> = z.looseObject({
  legalHeader: z.string().optional(),
  no: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  nextUpdate: isoDate,
  entries: z.array(metadataEntrySchema),
});
