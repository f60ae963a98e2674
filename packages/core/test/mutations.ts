/**
 * Test support only: running parsers on damaged input and asserting that the only exceptions that come out
 * are TesseraErrors of the expected code. Never imported by library code.
 */
import { expect } from 'vitest';
import { isTesseraError, type TesseraErrorCode } from '../src/errors.ts';

/** What `run` throws, or undefined when it returns. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The code of the TesseraError `run` throws, or `'none'` when it returns; anything else it throws is rethrown. */
export function thrownCode(run: () => unknown): TesseraErrorCode | 'none' {
  const error = thrown(run);
  if (error === undefined) return 'none';
  if (!isTesseraError(error)) throw error;
  return error.code;
}

/** Asserts that `run` throws a TesseraError with `code` whose message matches every one of `messages`. */
export function expectTesseraError(run: () => unknown, code: TesseraErrorCode, ...messages: RegExp[]): void {
  const error = thrown(run);
  expect(isTesseraError(error, code), String(error)).toBe(true);
  for (const message of messages) expect((error as Error).message).toMatch(message);
}

/**
 * The code of the TesseraError that `promise` rejects with. A promise that resolves, or rejects with anything
 * else, fails the test.
 */
export async function rejectionCode(promise: Promise<unknown>): Promise<TesseraErrorCode> {
  try {
    await promise;
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a rejection with a TesseraError');
}

/** `run` either returns or throws a TesseraError with `code`; anything else is rethrown, failing the test. */
export function returnsOrThrowsTesseraError(run: () => unknown, code: TesseraErrorCode): void {
  const error = thrown(run);
  if (error !== undefined && !isTesseraError(error, code)) throw error;
}

/** Every proper prefix of `bytes`, from the empty one up to all but the last byte. */
export function* truncations(bytes: Uint8Array): Generator<Uint8Array> {
  for (let length = 0; length < bytes.length; length++) yield bytes.subarray(0, length);
}

/**
 * `bytes` with each single bit flipped in turn, lowest bit of the first byte first. Every step yields the same
 * copy, flipped at one bit and restored before the next; `bytes` itself is never changed.
 */
export function* singleBitFlips(bytes: Uint8Array): Generator<Uint8Array> {
  const flipped = new Uint8Array(bytes);
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    flipped[bit >> 3]! ^= 1 << (bit & 7);
    yield flipped;
    flipped[bit >> 3]! ^= 1 << (bit & 7);
  }
}

/**
 * Asserts that `parse` throws a TesseraError with `code` for every truncation of `bytes`, and that for every
 * single-bit flip of `bytes` it returns or throws such a TesseraError (anything else is rethrown).
 */
export function expectTruncationsAndBitFlipsHandled(bytes: Uint8Array, parse: (bytes: Uint8Array) => unknown, code: TesseraErrorCode): void {
  for (const truncated of truncations(bytes)) expect(isTesseraError(thrown(() => parse(truncated)), code)).toBe(true);
  for (const flipped of singleBitFlips(bytes)) returnsOrThrowsTesseraError(() => parse(flipped), code);
}
