/**
 * Test support only: `compound` attestation statements (WebAuthn L3 §8.9) made of other statements of the
 * test's own making. Never imported by library code.
 */
import type { AttestationStatement } from '../src/attestationObject.ts';
import type { AttestationStatementOverride, AttestationToSign } from '../src/testing/softwareAuthenticator.ts';

/** The `{ fmt, attStmt }` map of one sub-statement, made for `signed`. */
export async function subStatement(part: AttestationStatementOverride, signed: AttestationToSign): Promise<Map<string, unknown>> {
  const attStmt: AttestationStatement = typeof part.attStmt === 'function' ? await part.attStmt(signed) : part.attStmt;
  return new Map<string, unknown>([
    ['fmt', part.fmt],
    ['attStmt', attStmt],
  ]);
}

/** A compound statement of `parts`, each signing what the compound statement's authenticator data signs. */
export function compoundStatement(...parts: AttestationStatementOverride[]): AttestationStatementOverride {
  return { fmt: 'compound', attStmt: async (signed) => Promise.all(parts.map((part) => subStatement(part, signed))) };
}
