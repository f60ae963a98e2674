import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUtf8 } from './_jsonBody.ts';

describe('isUtf8 (the charset of a Content-Type)', () => {
  it('accepts no charset, or UTF-8 however spelt as a token or a quoted string', () => {
    for (const header of [
      undefined,
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; charset="utf-8"',
      'application/json; CHARSET = utf-8 ; q=1',
      'application/json; charset', // a parameter without a value names no charset
    ]) {
      expect(isUtf8(header), String(header)).toBe(true);
    }
  });

  it('refuses every other charset, a misspelt one, an empty one, and a second charset that is not UTF-8', () => {
    for (const header of [
      'application/json; charset=utf-16',
      'application/json; charset=UTF-16LE',
      'application/json; charset=utf8',
      'application/json; charset=iso-8859-1',
      'application/json; charset="utf-8 "',
      'application/json; charset=',
      'application/json; charset=utf-8; charset=utf-16',
      'application/json; charset="utf-\\8"; x=1; charset=us-ascii',
    ]) {
      expect(isUtf8(header), header).toBe(false);
    }
  });

  it('never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.constantFrom(';', '=', '"', '\\', ' ', '\t', 'charset', 'utf-8', 'x')).map((parts) => parts.join(''))), (header) => {
        expect(typeof isUtf8(header)).toBe('boolean');
        expect(isUtf8(`${header}; charset=utf-16`)).toBe(false);
      }),
    );
  });
});
