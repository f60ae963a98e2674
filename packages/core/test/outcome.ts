/**
 * Test support only: the outcome of a verification as a value a test can compare, so that a table of cases
 * reads as inputs and expected codes. Never imported by library code.
 */
import { isTesseraError, type TesseraErrorCode } from '../src/errors.ts';

/**
 * The code of the TesseraError that `promise` rejects with, or `'none'` when it resolves. A rejection with
 * anything but a TesseraError is rethrown, failing the test.
 */
export async function settledCode(promise: Promise<unknown>): Promise<TesseraErrorCode | 'none'> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return error.code;
  }
}
