import type { AttestationStatement } from '../attestationObject.ts';
import { invalid } from './_statement.ts';
import type { AttestationStatementInput, AttestationStatementResult } from './verifyAttestationStatement.ts';

/*
 * `compound` attestation (WebAuthn L3 §8.9): several self-contained attestation statements in one ceremony.
 */

/**
 * Most sub-statements accepted. §8.9 sets no maximum; each sub-statement may cost certificate parsing and
 * signature checks, and no authenticator is known to send more than a couple.
 */
export const MAX_COMPOUND_STATEMENTS = 8;

/**
 * `compound` (§8.9 verification procedure). Syntax: `attStmt` is an array of at least two maps, each exactly
 * `{ fmt, attStmt }` with `fmt` a text string other than `compound` — so nesting, and with it recursion, is
 * refused. `none` is not excluded by the syntax and verifies as it always does.
 *
 * Relying party policy (§8.9 step 1 leaves it to the relying party): every sub-statement must verify, and a
 * failure is the failure of the whole statement, with that sub-statement's error — an `unsupported_attestation_format`
 * for an unregistered format included (a nested `compound` is `invalid_attestation`). The result reports type `None` and an empty trust path,
 * since a compound statement has no single one, and each sub-statement's result in `statements`: a trust
 * decision that reads only `type` and `trustPath` treats a compound statement as unattested, which is never more
 * than it proves.
 *
 * @param input - the statement, whose `attStmt` should be an array
 * @param verifySubStatement - the verification procedure of a sub-statement's format (§7.1 step 21)
 * @returns type `None`, an empty trust path, and the sub-statements' results in order
 * @throws {TesseraError} `invalid_attestation` for a malformed compound statement; whatever a sub-statement's
 *   verification throws
 * @internal
 */
export async function verifyCompound(
  input: AttestationStatementInput<AttestationStatement>,
  verifySubStatement: (statement: AttestationStatementInput<AttestationStatement>) => Promise<AttestationStatementResult>,
): Promise<AttestationStatementResult> {
  const { attStmt } = input;
  if (!Array.isArray(attStmt)) invalid('a compound statement is not an array');
  if (attStmt.length < 2) invalid('a compound statement holds fewer than two statements');
  if (attStmt.length > MAX_COMPOUND_STATEMENTS) invalid(`a compound statement holds more than ${MAX_COMPOUND_STATEMENTS} statements`);
  // Check every item's syntax before verifying any: a malformed statement costs no signature check.
  const subStatements = attStmt.map((item: unknown, index) => {
    if (!(item instanceof Map) || item.size !== 2 || !item.has('fmt') || !item.has('attStmt')) {
      invalid(`compound statement ${index} is not a map of exactly "fmt" and "attStmt"`);
    }
    const fmt: unknown = item.get('fmt');
    const subStatement: unknown = item.get('attStmt');
    if (typeof fmt !== 'string') invalid(`compound statement ${index} has no text "fmt"`);
    if (fmt === 'compound') invalid('a compound statement holds a compound statement');
    if (!(subStatement instanceof Map) || ![...subStatement.keys()].every((key) => typeof key === 'string')) {
      invalid(`compound statement ${index} "attStmt" is not a map with text keys`);
    }
    return { fmt, attStmt: subStatement as Map<string, unknown> };
  });
  const statements: AttestationStatementResult[] = [];
  // One after the other: the first failure ends the verification, and the order of errors is the input's.
  for (const { fmt, attStmt: subStatement } of subStatements) {
    statements.push(await verifySubStatement({ ...input, fmt, attStmt: subStatement }));
  }
  return { fmt: 'compound', type: 'None', trustPath: [], statements };
}
