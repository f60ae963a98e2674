import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectTesseraError, expectTruncationsAndBitFlipsHandled, returnsOrThrowsTesseraError, thrown } from '../test/mutations.ts';
import { readAuthenticationVectors, readRegistrationVectors } from '../test/vectors.ts';
import { base64url } from './base64url.ts';
import { MAX_CLIENT_DATA_JSON_BYTES, collectedClientDataSchema, hasCollectedClientDataShape, parseClientDataJSON } from './clientData.ts';
import { isTesseraError } from './errors.ts';

const vectors = [
  ...readAuthenticationVectors().map((vector) => ({ ...vector, type: 'webauthn.get' })),
  ...readRegistrationVectors().map((vector) => ({ ...vector, type: 'webauthn.create' })),
];

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (value: unknown): Uint8Array => utf8(JSON.stringify(value));
const MINIMAL = { type: 'webauthn.get', challenge: 'Y2hhbGxlbmdlY2hhbGxlbmdl', origin: 'https://example.com' };

function expectMalformed(bytes: Uint8Array, message: RegExp): void {
  expectTesseraError(() => parseClientDataJSON(bytes), 'malformed_response', message);
}

function parsesOrIsMalformed(bytes: Uint8Array): void {
  returnsOrThrowsTesseraError(() => parseClientDataJSON(bytes), 'malformed_response');
}

describe('parseClientDataJSON: captured browsers', () => {
  it.each(vectors)('parses $name, keeping every member', (vector) => {
    const bytes = base64url.decode(vector.response.response.clientDataJSON);
    const parsed = parseClientDataJSON(bytes);
    expect(parsed).toEqual(JSON.parse(new TextDecoder().decode(bytes)));
    expect(parsed.type).toBe(vector.type);
    expect(parsed.challenge).toBe(vector.expectedChallenge);
    expect(parsed.origin).toBe(vector.expectedOrigin);
  });

  it.each(vectors)('survives every truncation and single-bit flip of $name', (vector) => {
    const bytes = base64url.decode(vector.response.response.clientDataJSON);
    expectTruncationsAndBitFlipsHandled(bytes, parseClientDataJSON, 'malformed_response');
  });
});

describe('parseClientDataJSON: shape only', () => {
  it('accepts the optional members of §5.8.1 and keeps unknown ones', () => {
    const full = {
      ...MINIMAL,
      crossOrigin: true,
      topOrigin: 'https://top.example',
      tokenBinding: { status: 'present', id: 'dG9rZW4', future: 1 },
      androidPackageName: 'org.mozilla.firefox',
      other_keys_can_be_added_here: 'do not compare clientDataJSON against a template',
    };
    expect(parseClientDataJSON(json(full))).toEqual(full);
    expect(parseClientDataJSON(json({ ...MINIMAL, tokenBinding: { status: 'supported' } }))).toEqual({
      ...MINIMAL,
      tokenBinding: { status: 'supported' },
    });
  });

  it('accepts a null tokenBinding ([RESERVED] in L3 §5.8.1) as some clients sent it for "absent"', () => {
    expect(parseClientDataJSON(json({ ...MINIMAL, tokenBinding: null }))).toEqual({ ...MINIMAL, tokenBinding: null });
  });

  it('does not judge the values: that is the verifier’s job, with its own codes', () => {
    const odd = { type: 'payment.get', challenge: '', origin: 'not a URL' };
    expect(parseClientDataJSON(json(odd))).toEqual(odd);
  });

  it('rejects a missing or mistyped member, naming it', () => {
    for (const member of ['type', 'challenge', 'origin'] as const) {
      const { [member]: _, ...rest } = MINIMAL;
      expectMalformed(json(rest), new RegExp(`^Invalid client data JSON: ${member}: `));
      expectMalformed(json({ ...MINIMAL, [member]: 1 }), new RegExp(`${member}: .*expected string`));
    }
    expectMalformed(json({ ...MINIMAL, crossOrigin: 'true' }), /crossOrigin: .*expected boolean/);
    expectMalformed(json({ ...MINIMAL, crossOrigin: null }), /crossOrigin/);
    expectMalformed(json({ ...MINIMAL, topOrigin: 42 }), /topOrigin/);
    expectMalformed(json({ ...MINIMAL, tokenBinding: 'present' }), /tokenBinding/);
    expectMalformed(json({ ...MINIMAL, tokenBinding: {} }), /tokenBinding\.status/);
    expectMalformed(json({ ...MINIMAL, tokenBinding: { status: 'present', id: 7 } }), /tokenBinding\.id/);
  });

  it('rejects JSON that is not an object', () => {
    for (const value of [null, 1, 'webauthn.get', true, [MINIMAL]]) {
      expectMalformed(json(value), /^Invalid client data JSON: .*expected object/);
    }
  });

  it('exports the schema it applies', () => {
    expect(collectedClientDataSchema.safeParse(MINIMAL).success).toBe(true);
    expect(collectedClientDataSchema.safeParse({}).success).toBe(false);
  });

  it('checks by hand exactly what the schema checks, and returns the same members', () => {
    // Each member absent, of its type, or of another JSON type; unknown members and non-objects too.
    const anyJson = fc.oneof(fc.constant(undefined), fc.string(), fc.boolean(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }));
    const tokenBinding = fc.oneof(anyJson, fc.record({ status: anyJson, id: anyJson, extra: anyJson }, { requiredKeys: [] }));
    const candidate = fc.oneof(
      fc.record(
        { type: anyJson, challenge: anyJson, origin: anyJson, crossOrigin: anyJson, topOrigin: anyJson, tokenBinding, other: anyJson },
        { requiredKeys: [] },
      ),
      anyJson,
    );
    fc.assert(
      fc.property(candidate, (value) => {
        // Through JSON, as parseClientDataJSON sees it (undefined members vanish).
        const parsed: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
        const bySchema = collectedClientDataSchema.safeParse(parsed);
        expect(hasCollectedClientDataShape(parsed)).toBe(bySchema.success);
        if (bySchema.success) expect(parsed).toEqual(bySchema.data);
      }),
      { numRuns: 2000 },
    );
    for (const valid of vectors.map((vector) => JSON.parse(new TextDecoder().decode(base64url.decode(vector.response.response.clientDataJSON))) as unknown)) {
      expect(hasCollectedClientDataShape(valid)).toBe(true);
    }
  });
});

describe('parseClientDataJSON: bytes and text', () => {
  it('rejects a byte order mark, even before valid JSON', () => {
    expectMalformed(new Uint8Array([0xef, 0xbb, 0xbf, ...json(MINIMAL)]), /byte order mark/);
  });

  it('rejects invalid UTF-8: stray, overlong, surrogate and truncated sequences', () => {
    const valid = json({ ...MINIMAL, note: '__' });
    const at = new TextDecoder().decode(valid).indexOf('__');
    for (const bad of [[0xff, 0x20], [0xc0, 0xaf], [0xed, 0xa0], [0xe2, 0x82]]) {
      const bytes = new Uint8Array(valid);
      bytes.set(bad, at);
      expectMalformed(bytes, /^Malformed client data JSON: not valid UTF-8\.$/);
    }
  });

  it('accepts non-ASCII text', () => {
    expect(parseClientDataJSON(json({ ...MINIMAL, origin: 'https://bücher.example' })).origin).toBe('https://bücher.example');
  });

  it('rejects text that is not JSON, without quoting it', () => {
    const error = thrown(() => parseClientDataJSON(utf8(`{"challenge":"${MINIMAL.challenge}",`))) as Error;
    expect(isTesseraError(error, 'malformed_response')).toBe(true);
    expect(error.message).toBe('Malformed client data JSON: not valid JSON.');
    expect(error.cause).toBeInstanceOf(SyntaxError);
    expectMalformed(utf8(''), /empty/);
    expectMalformed(utf8(' '), /not valid JSON/);
  });

  it('accepts 64 KiB and rejects one byte more', () => {
    const padded = (size: number): Uint8Array => {
      const bytes = json(MINIMAL);
      return utf8(new TextDecoder().decode(bytes) + ' '.repeat(size - bytes.length));
    };
    expect(parseClientDataJSON(padded(MAX_CLIENT_DATA_JSON_BYTES))).toEqual(MINIMAL);
    expectMalformed(padded(MAX_CLIENT_DATA_JSON_BYTES + 1), /larger than 65536 bytes/);
  });

  it('survives deeply nested unknown members', () => {
    const prefix = new TextDecoder().decode(json(MINIMAL)).slice(0, -1);
    parsesOrIsMalformed(utf8(`${prefix},"x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`));
  });

  it('answers random bytes, text and JSON with a result or malformed_response, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), parsesOrIsMalformed), { numRuns: 1000 });
    const text = fc.string({ unit: 'binary', maxLength: 100 });
    fc.assert(fc.property(text, (value) => parsesOrIsMalformed(utf8(value))), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }), (value, members) => {
        parsesOrIsMalformed(json(value));
        parsesOrIsMalformed(json({ ...members, ...MINIMAL }));
        parsesOrIsMalformed(json({ ...MINIMAL, ...members }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseClientDataJSON: the hand check under JSON tricks', () => {
  it.each([
    ['"__proto__" lending crossOrigin and topOrigin', '"__proto__":{"crossOrigin":true,"topOrigin":"https://evil.example"}'],
    ['"__proto__" lending a bad tokenBinding', '"__proto__":{"tokenBinding":"present"}'],
    ['"__proto__" as null', '"__proto__":null'],
    ['"constructor" and "hasOwnProperty" members', '"constructor":1,"hasOwnProperty":"x"'],
    ['a duplicate type (JSON.parse keeps the last)', '"type":"webauthn.create"'],
    ['tokenBinding with a "__proto__" lending status', '"tokenBinding":{"__proto__":{"status":"present"}}'],
  ])('%s: the hand check and the schema give one verdict, and nothing inherited is read', (_name, member) => {
    const bytes = utf8(`${JSON.stringify(MINIMAL).slice(0, -1)},${member}}`);
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    expect(hasCollectedClientDataShape(parsed)).toBe(collectedClientDataSchema.safeParse(parsed).success);
    const result = thrown(() => parseClientDataJSON(bytes));
    if (result !== undefined) {
      expect(isTesseraError(result, 'malformed_response')).toBe(true);
      return;
    }
    const data = parseClientDataJSON(bytes);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.crossOrigin).toBeUndefined();
    expect(data.topOrigin).toBeUndefined();
  });
});
