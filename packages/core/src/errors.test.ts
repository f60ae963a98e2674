import { describe, expect, it } from 'vitest';
import { TESSERA_ERROR_CODES, TesseraError, isTesseraError } from './errors.ts';

describe('TesseraError', () => {
  it('is an Error with a stable code, a name and an optional cause', () => {
    const cause = new RangeError('underlying');
    const error = new TesseraError('invalid_options', 'Invalid authentication options: rpId: bad.', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TesseraError');
    expect(error.code).toBe('invalid_options');
    expect(error.message).toBe('Invalid authentication options: rpId: bad.');
    expect(error.cause).toBe(cause);
    expect(error.stack).toContain('TesseraError');
  });

  it('lists each code once', () => {
    expect(new Set(TESSERA_ERROR_CODES).size).toBe(TESSERA_ERROR_CODES.length);
    for (const code of TESSERA_ERROR_CODES) expect(code).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
  });
});

describe('isTesseraError', () => {
  it('recognises TesseraErrors, optionally of one code', () => {
    const error = new TesseraError('invalid_argument', 'x');
    expect(isTesseraError(error)).toBe(true);
    expect(isTesseraError(error, 'invalid_argument')).toBe(true);
    expect(isTesseraError(error, 'invalid_options')).toBe(false);
  });

  it('recognises a TesseraError from another copy of the package by its shape', () => {
    const foreign = Object.assign(new Error('x'), { name: 'TesseraError', code: 'invalid_options' });
    expect(isTesseraError(foreign, 'invalid_options')).toBe(true);
  });

  it('rejects everything else', () => {
    for (const value of [new Error('x'), new TypeError('x'), { name: 'TesseraError', code: 'invalid_options' }, null, 'TesseraError']) {
      expect(isTesseraError(value)).toBe(false);
    }
    expect(isTesseraError(Object.assign(new Error('x'), { name: 'TesseraError', code: 'made_up' }))).toBe(false);
  });
});
