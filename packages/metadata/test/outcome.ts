/**
 * Test support only: the outcome of a metadata check as a value a test can compare. Never imported by
 * library code.
 */
import { isTesseraError } from '@tessera/core';

/**
 * The code of the TesseraError that `promise` rejects with, or `'accepted'` when it resolves. A rejection
 * with anything but a TesseraError is rethrown, failing the test.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
}
