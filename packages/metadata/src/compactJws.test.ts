import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base64url, isTesseraError } from '@tessera/core';
import { parseCompactJws } from './compactJws.ts';

const CERT = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]);
const encode = (value: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
const jws = (header: Record<string, unknown>, payload: unknown = { no: 1 }, signature = new Uint8Array(64).fill(7)) =>
  `${encode(header)}.${encode(payload)}.${base64url.encode(signature)}`;
const GOOD_HEADER = { alg: 'ES256', typ: 'JWT', x5c: [Buffer.from(CERT).toString('base64')] };

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isTesseraError(error)) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('parseCompactJws (RFC 7515 §7.1, FIDO MDS3 §3.1.7)', () => {
  it('splits a well-formed BLOB into header, x5c, payload, signing input and signature', () => {
    const text = jws(GOOD_HEADER, { no: 5, entries: [] });
    const parsed = parseCompactJws(`${text}\n`);
    expect(parsed.alg).toBe('ES256');
    expect(parsed.x5c).toEqual([CERT]);
    expect(parsed.payload).toEqual({ no: 5, entries: [] });
    expect(new TextDecoder().decode(parsed.signingInput)).toBe(text.split('.').slice(0, 2).join('.'));
    expect(parsed.signature).toEqual(new Uint8Array(64).fill(7));
    expect(parseCompactJws(new TextEncoder().encode(text)).payload).toEqual({ no: 5, entries: [] });
  });

  it.each(['none', 'HS256', 'HS512', 'ES256K', 'Ed448', '', 'es256', 'RS1'])('refuses alg %j', (alg) => {
    expect(codeOf(() => parseCompactJws(jws({ ...GOOD_HEADER, alg })))).toBe('invalid_metadata');
  });

  it('refuses a missing alg, a typ other than JWT, crit, an empty or oversized x5c, x5u alone', () => {
    const { alg: _alg, ...noAlg } = GOOD_HEADER;
    const { x5c: _x5c, ...noX5c } = GOOD_HEADER;
    for (const header of [
      noAlg,
      { ...GOOD_HEADER, typ: 'JOSE+JSON' },
      { ...GOOD_HEADER, crit: ['b64'] },
      { ...GOOD_HEADER, typ: 42 },
      { ...noX5c, x5u: 'https://example.com/chain.pem' },
      { ...GOOD_HEADER, x5c: [] },
      { ...GOOD_HEADER, x5c: 'MAMCAQE=' },
      { ...GOOD_HEADER, x5c: Array.from({ length: 9 }, () => 'MAMCAQE=') },
      { ...GOOD_HEADER, x5c: ['MAMCAQE'] },
      { ...GOOD_HEADER, x5c: ['MAMC AQE='] },
      { ...GOOD_HEADER, x5c: ['MAMCAQF='] },
      { ...GOOD_HEADER, x5c: [42] },
    ]) {
      expect(codeOf(() => parseCompactJws(jws(header)))).toBe('invalid_metadata');
    }
  });

  it('reads typ as a media type (RFC 7515 §4.1.9), and neither x5c nor x5u as "the trust anchor signed" (FIDO MDS3 §3.2 step 5)', () => {
    for (const typ of ['JWT', 'jwt', 'application/jwt', 'Application/JWT']) expect(parseCompactJws(jws({ ...GOOD_HEADER, typ })).alg).toBe('ES256');
    const { x5c: _x5c, ...noX5c } = GOOD_HEADER;
    expect(parseCompactJws(jws(noX5c)).x5c).toEqual([]);
    // Both: x5c is used, x5u ignored (never fetched).
    expect(parseCompactJws(jws({ ...GOOD_HEADER, x5u: 'https://example.com/chain.pem' })).x5c).toEqual([CERT]);
  });

  it('refuses truncation, extra parts, empty parts, padding, non-JSON and non-UTF-8', () => {
    const text = jws(GOOD_HEADER);
    const [h, p, s] = text.split('.') as [string, string, string];
    for (const bad of [
      text.slice(0, text.length / 2),
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.`,
      `.${p}.${s}`,
      `${h}=.${p}.${s}`,
      `${h}.${base64url.encode(new TextEncoder().encode('{not json'))}.${s}`,
      `${base64url.encode(new TextEncoder().encode('[1]'))}.${p}.${s}`,
      `${h}.${base64url.encode(new Uint8Array([0x22, 0xff, 0x22]))}.${s}`,
      ` ${text}`,
      '',
    ]) {
      expect(codeOf(() => parseCompactJws(bad))).toBe('invalid_metadata');
    }
    expect(codeOf(() => parseCompactJws(new Uint8Array([0xff, 0xfe])))).toBe('invalid_metadata');
  });

  it('refuses a BLOB over maxBytes before decoding anything, as text or bytes', () => {
    const text = jws(GOOD_HEADER, { padding: 'x'.repeat(2000) });
    expect(codeOf(() => parseCompactJws(text, 1000))).toBe('invalid_metadata');
    expect(codeOf(() => parseCompactJws(new TextEncoder().encode(text), 1000))).toBe('invalid_metadata');
    expect(codeOf(() => parseCompactJws(text, 0))).toBe('invalid_argument');
  });

  it('refuses pathological nesting with a TesseraError, not a RangeError', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const text = `${encode(GOOD_HEADER)}.${base64url.encode(new TextEncoder().encode(deep))}.${base64url.encode(new Uint8Array(64))}`;
    expect(['invalid_metadata', 'accepted']).toContain(codeOf(() => parseCompactJws(text)));
  });

  it('property: any mutation of a BLOB parses or throws a TesseraError, never anything else', () => {
    const text = jws(GOOD_HEADER, { no: 3, nextUpdate: '2026-01-01', entries: [{ aaguid: '00000000-0000-0000-0000-000000000000', statusReports: [] }] });
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), at: fc.nat(text.length - 1), with: fc.string({ minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(text.length - 1), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(text.length), with: fc.string({ unit: 'binary', maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        let mutated = text;
        for (const m of mutations) {
          const at = Math.min(m.at, mutated.length);
          mutated = m.kind === 'cut' ? mutated.slice(0, at) + mutated.slice(at + m.length) : mutated.slice(0, at) + m.with + mutated.slice(m.kind === 'replace' ? at + m.with.length : at);
        }
        codeOf(() => parseCompactJws(mutated));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        codeOf(() => parseCompactJws(bytes));
      }),
    );
  });
});
