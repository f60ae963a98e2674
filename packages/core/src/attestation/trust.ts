import { TesseraError, isTesseraError } from '../errors.ts';
import { validateCertificateChain } from './certificateChain.ts';
import type { RegisteredAttestationFormat } from './formats.ts';
import type { AttestationStatementResult } from './verifyAttestationStatement.ts';

/*
 * The trust decision on a verified attestation statement (WebAuthn L3 §7.1 steps 22–23): "obtain a list of
 * acceptable trust anchors (i.e. attestation root certificates) for that attestation type and attestation
 * statement format fmt", then "assess the attestation trustworthiness" by checking that the trust path leads to
 * one of them. Anchors are given per AAGUID, per format, or for every statement.
 */

/**
 * Attestation trust anchors (DER certificates) a relying party accepts (§7.1 step 22). For one statement the
 * acceptable anchors are the union of those of its AAGUID, of its format, and `global`.
 */
export interface AttestationTrustAnchors {
  /** Anchors for every statement. */
  global?: readonly Uint8Array[] | undefined;
  /** Anchors by attestation statement format (§8), such as `packed` or `fido-u2f`. */
  byFormat?: Partial<Record<RegisteredAttestationFormat, readonly Uint8Array[]>> | undefined;
  /** Anchors by AAGUID (§6.5.1), written lower-case 8-4-4-4-12 (`'cb69481e-8ff7-4039-93ec-0a2729a154a8'`). */
  byAaguid?: Readonly<Record<string, readonly Uint8Array[]>> | undefined;
}

/** A verified statement, or a compound one (§8.9) whose sub-statements are in `statements`. */
export type AssessableStatement = AttestationStatementResult & { statements?: readonly AttestationStatementResult[] | undefined };

/** What {@link assessTrust} needs besides the statement. */
export interface AssessTrustContext {
  /** The anchors the relying party was given; none means nothing can be trusted. */
  anchors: AttestationTrustAnchors | undefined;
  /** The new credential's AAGUID, lower-case 8-4-4-4-12. */
  aaguid: string;
  /** When every certificate must be valid, epoch milliseconds. */
  now: number;
}

/**
 * The acceptable anchors for a statement of `fmt` from the authenticator `aaguid` (§7.1 step 22).
 *
 * @param anchors - the relying party's anchors
 * @param fmt - the statement format
 * @param aaguid - lower-case 8-4-4-4-12
 * @returns the union of the AAGUID's, the format's and the global anchors (possibly empty)
 */
export function anchorsFor(anchors: AttestationTrustAnchors | undefined, fmt: RegisteredAttestationFormat, aaguid: string): Uint8Array[] {
  if (anchors === undefined) return [];
  const byAaguid = anchors.byAaguid !== undefined && Object.hasOwn(anchors.byAaguid, aaguid) ? anchors.byAaguid[aaguid] : undefined;
  return [...(byAaguid ?? []), ...(anchors.byFormat?.[fmt] ?? []), ...(anchors.global ?? [])];
}

async function assessOne(statement: AttestationStatementResult, context: AssessTrustContext): Promise<boolean> {
  // Self and None attestation have no trust path: nothing in them can be trusted (§6.5.4).
  if (statement.trustPath.length === 0) return false;
  const anchors = anchorsFor(context.anchors, statement.fmt, context.aaguid);
  if (anchors.length === 0) return false;
  try {
    await validateCertificateChain({ chain: statement.trustPath, anchors, now: context.now });
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    throw new TesseraError('untrusted_attestation', 'The attestation is valid but its trust path does not lead to a trusted root.', { cause: error });
  }
  return true;
}

/**
 * Assesses a verified statement's trustworthiness against the relying party's anchors (WebAuthn L3 §7.1 steps
 * 22–23). A statement whose trust path is empty (Self, None) is not trusted. One with a trust path and no
 * acceptable anchor is accepted but not trusted. One with acceptable anchors must validate to one of them
 * (`validateCertificateChain`), else it is refused. A compound statement (§8.9, `statements`) is assessed
 * sub-statement by sub-statement, and is trusted only if every one is.
 *
 * @param statement - a verified statement
 * @param context - anchors, the credential's AAGUID and `now`
 * @returns whether the statement is trusted
 * @throws {TesseraError} `untrusted_attestation`, with the chain error as `cause`, when anchors exist and the
 *   trust path does not validate to one of them
 */
export async function assessTrust(statement: AssessableStatement, context: AssessTrustContext): Promise<boolean> {
  if (statement.statements !== undefined) {
    if (statement.statements.length === 0) return false;
    let trusted = true;
    // Every sub-statement is checked, so one without anchors does not hide another that fails its anchors.
    for (const sub of statement.statements) if (!(await assessOne(sub, context))) trusted = false;
    return trusted;
  }
  return assessOne(statement, context);
}

const AAGUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isDerList = (value: unknown): boolean => Array.isArray(value) && value.every((item) => item instanceof Uint8Array);
const isDerListRecord = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isDerList);

/**
 * Whether `value` has the shape of {@link AttestationTrustAnchors} (certificates are parsed only when used).
 *
 * @param value - anything, typically configuration
 * @returns whether every member present is an array of byte arrays (or a record of them, AAGUID keys written
 *   lower-case 8-4-4-4-12)
 * @internal
 */
export function isAttestationTrustAnchors(value: unknown): value is AttestationTrustAnchors {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { global, byFormat, byAaguid, ...rest } = value as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    (global === undefined || isDerList(global)) &&
    (byFormat === undefined || isDerListRecord(byFormat)) &&
    (byAaguid === undefined || (isDerListRecord(byAaguid) && Object.keys(byAaguid as object).every((key) => AAGUID_PATTERN.test(key))))
  );
}
