import { invalid } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/** `none` (§8.7): the statement is an empty map. */
export function verifyNone(input: AttestationStatementInput): AttestationStatementResult {
  if (input.attStmt.size !== 0) invalid('a "none" statement must be empty');
  return { fmt: 'none', type: 'None', trustPath: [] };
}

