import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOW, codeOf, random, safetyNet, vectorInput, vectorsOf, withCredentialKey, ec2CoseKey, ecPair } from '../../test/formatStatements.ts';
import type { AttestationStatementInput } from './verifyAttestationStatement.ts';
import { verifyAttestationStatement } from './verifyAttestationStatement.ts';
import { MAX_JWS_BYTES } from './_jws.ts';

const vectors = vectorsOf('android-safetynet');
const vector = vectors[0]!;
const jwsOf = (input: AttestationStatementInput): string => new TextDecoder().decode(input.attStmt.get('response') as Uint8Array);
const withJws = (input: AttestationStatementInput, jws: string): AttestationStatementInput => ({
  ...input,
  attStmt: new Map(input.attStmt).set('response', new TextEncoder().encode(jws)),
});
const headerCertificates = (input: AttestationStatementInput): Uint8Array[] =>
  (JSON.parse(Buffer.from(jwsOf(input).split('.')[0]!, 'base64url').toString()) as { x5c: string[] }).x5c.map((text) => new Uint8Array(Buffer.from(text, 'base64')));

describe('android-safetynet (WebAuthn L3 §8.5) on the captured registration', () => {
  it('verifies it as Basic with the JWS header x5c as the trust path, at its timestamp', async () => {
    expect(vectors).toHaveLength(1);
    const input = vectorInput(vector);
    expect(await verifyAttestationStatement(input)).toEqual({ fmt: 'android-safetynet', type: 'Basic', trustPath: headerCertificates(input) });
  });

  it('refuses it when ctsProfileMatch is required (the default): the capture reports only basicIntegrity', async () => {
    const { safetyNetCtsProfileMatchRequired: _relaxed, ...input } = vectorInput(vector);
    expect(vector.safetyNetCtsProfileMatchRequired).toBe(false);
    expect(await codeOf(input)).toBe('invalid_attestation');
  });

  it('refuses it with another clientDataHash (wrong nonce), another credential key or another statement', async () => {
    const input = vectorInput(vector);
    expect(await codeOf({ ...input, clientDataHash: random(32) })).toBe('invalid_attestation');
    expect(await codeOf(withCredentialKey(input, await ec2CoseKey((await ecPair()).publicKey)))).toBe('invalid_attestation');
    const other = await safetyNet();
    expect(await codeOf({ ...input, attStmt: other.attStmt })).toBe('invalid_attestation');
    expect(await codeOf({ ...other, attStmt: input.attStmt, now: input.now })).toBe('invalid_attestation');
  });

  it('refuses it 61 s after its timestamp, 11 s before it, and accepts it within the bounds', async () => {
    const input = vectorInput(vector);
    const at = input.now!;
    expect(await codeOf({ ...input, now: at + 60_000 })).toBe('none');
    expect(await codeOf({ ...input, now: at + 60_001 })).toBe('invalid_attestation');
    expect(await codeOf({ ...input, now: at - 10_000 })).toBe('none');
    expect(await codeOf({ ...input, now: at - 10_001 })).toBe('invalid_attestation');
    expect(await codeOf({ ...input, now: at + 3_600_000, safetyNetMaxAgeMs: 3_600_000 })).toBe('none');
    expect(await codeOf({ ...input, safetyNetMaxAgeMs: -1 })).toBe('invalid_argument');
  });

  it('refuses every flipped byte of the JWS leaf certificate: the header that carries it is signed', async () => {
    const input = vectorInput(vector);
    const [header, payload, signature] = jwsOf(input).split('.') as [string, string, string];
    const decoded = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string; x5c: string[] };
    const reencode = (x5c: string[]): string => Buffer.from(JSON.stringify({ ...decoded, x5c })).toString('base64url');
    // The re-encoded header is the one Google signed, so only the flip can make a difference.
    expect(reencode(decoded.x5c)).toBe(header);
    const leaf = headerCertificates(input)[0]!;
    for (let at = 0; at < leaf.length; at++) {
      const flipped = new Uint8Array(leaf);
      flipped[at]! ^= 0x01;
      const altered = reencode([Buffer.from(flipped).toString('base64'), ...decoded.x5c.slice(1)]);
      expect(await codeOf(withJws(input, `${altered}.${payload}.${signature}`)), `byte ${at}`).toBe('invalid_attestation');
    }
  });
});

describe('android-safetynet on JWSs built here', () => {
  it('accepts ES256 and RS256 responses from a certificate issued to attest.android.com', async () => {
    for (const alg of ['ES256', 'RS256']) {
      const input = await safetyNet({ header: { alg } });
      const result = await verifyAttestationStatement(input);
      expect(result).toMatchObject({ fmt: 'android-safetynet', type: 'Basic' });
      expect(result.trustPath).toHaveLength(2);
    }
  });

  it.each<[string, Record<string, unknown>]>([
    ['alg none', { alg: 'none' }],
    ['alg HS256', { alg: 'HS256' }],
    ['alg RS384', { alg: 'RS384' }],
    ['no x5c', { x5c: undefined }],
    ['an empty x5c', { x5c: [] }],
    ['an x5c of base64url text', { x5c: ['MIIB-_'] }],
    ['a crit member', { crit: ['exp'] }],
    ['a jku member', { jku: 'https://attacker.example/keys' }],
  ])('refuses a header with %s', async (_name, header) => {
    expect(await codeOf(await safetyNet({ header }))).toBe('invalid_attestation');
  });

  it.each<[string, Record<string, unknown>, Partial<AttestationStatementInput>?]>([
    ['a stale timestamp', { timestampMs: NOW - 60_001 }],
    ['a future timestamp', { timestampMs: NOW + 10_001 }],
    ['a text timestamp', { timestampMs: String(NOW) }],
    ['no timestamp', { timestampMs: undefined }],
    ['ctsProfileMatch false', { ctsProfileMatch: false }],
    ['ctsProfileMatch "true"', { ctsProfileMatch: 'true' }],
    ['no ctsProfileMatch', { ctsProfileMatch: undefined }],
    ['basicIntegrity false when ctsProfileMatch is not required', { ctsProfileMatch: false, basicIntegrity: false }, { safetyNetCtsProfileMatchRequired: false }],
    ['an unpadded nonce', { nonce: 'AAAA' }],
    ['no nonce', { nonce: undefined }],
  ])('refuses a payload with %s', async (_name, payload, policy = {}) => {
    expect(await codeOf({ ...(await safetyNet({ payload })), ...policy })).toBe('invalid_attestation');
  });

  it('refuses the nonce written in base64url or without padding, as Google never sends it', async () => {
    const input = await safetyNet();
    const payload = JSON.parse(Buffer.from(jwsOf(input).split('.')[1]!, 'base64url').toString()) as { nonce: string };
    const bytes = Buffer.from(payload.nonce, 'base64');
    for (const nonce of [bytes.toString('base64url'), payload.nonce.replace(/=+$/, '')]) {
      if (nonce === payload.nonce) continue;
      expect(await codeOf(await safetyNet({ payload: { nonce } }))).toBe('invalid_attestation');
    }
  });

  it('accepts ctsProfileMatch false only when the relying party does not require it', async () => {
    const input = await safetyNet({ payload: { ctsProfileMatch: false } });
    expect(await codeOf({ ...input, safetyNetCtsProfileMatchRequired: false })).toBe('none');
    expect(await codeOf({ ...input, safetyNetCtsProfileMatchRequired: true })).toBe('invalid_attestation');
  });

  it.each<[string, { dnsName?: string | null; commonName?: string }]>([
    ['a SAN for another host', { dnsName: 'attest.android.com.attacker.example' }],
    ['a wildcard SAN', { dnsName: '*.android.com' }],
    ['a SAN for another host and the CN attest.android.com', { dnsName: 'attacker.example', commonName: 'attest.android.com' }],
    ['no SAN and another CN', { dnsName: null, commonName: 'attacker.example' }],
  ])('refuses a signing certificate with %s', async (_name, spec) => {
    expect(await codeOf(await safetyNet(spec))).toBe('invalid_attestation');
  });

  it('accepts a signing certificate with no SAN and the CN attest.android.com (RFC 6125 §6.4.4)', async () => {
    expect(await codeOf(await safetyNet({ dnsName: null }))).toBe('none');
  });

  it.each<[string, (jws: string) => string]>([
    ['two parts', (jws) => jws.split('.').slice(0, 2).join('.')],
    ['four parts', (jws) => `${jws}.AAAA`],
    ['an empty signature', (jws) => `${jws.split('.').slice(0, 2).join('.')}.`],
    ['padding', (jws) => `${jws}=`],
    ['whitespace', (jws) => ` ${jws}`],
    ['a flipped signature', (jws) => jws.slice(0, -3) + (jws.at(-3) === 'A' ? 'B' : 'A') + jws.slice(-2)],
    ['a payload signed for another header', (jws) => jws.replace(/^[^.]+/, Buffer.from('{"alg":"ES256","x5c":[]}').toString('base64url'))],
    ['more than the size cap', (jws) => `${jws.split('.')[0]}.${'A'.repeat(MAX_JWS_BYTES)}.${jws.split('.')[2]}`],
  ])('refuses a JWS with %s', async (_name, compact) => {
    expect(await codeOf(await safetyNet({ compact }))).toBe('invalid_attestation');
  });

  it.each<[string, unknown]>([
    ['an empty ver', ''],
    ['a numeric ver', 12],
  ])('refuses %s', async (_name, ver) => {
    expect(await codeOf(await safetyNet({ ver }))).toBe('invalid_attestation');
  });

  it('refuses a response that is not bytes and a statement with unknown members', async () => {
    const input = await safetyNet();
    expect(await codeOf({ ...input, attStmt: new Map(input.attStmt).set('response', jwsOf(input)) })).toBe('invalid_attestation');
    expect(await codeOf({ ...input, attStmt: new Map(input.attStmt).set('x5c', []) })).toBe('invalid_attestation');
    expect(await codeOf({ ...input, attStmt: new Map([['ver', '1']]) })).toBe('invalid_attestation');
  });

  it('yields only TesseraErrors for random mutations of the JWS bytes', async () => {
    const input = await safetyNet();
    const jws = new TextEncoder().encode(jwsOf(input));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(jws.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.option(fc.nat(jws.length), { nil: undefined }),
        async (flips, cut) => {
          const mutated = new Uint8Array(jws.subarray(0, cut ?? jws.length));
          for (const [at, mask] of flips) if (at < mutated.length) mutated[at]! ^= mask;
          const code = await codeOf({ ...input, attStmt: new Map(input.attStmt).set('response', mutated) });
          // Flipping a base64url character's unused low bits can leave the decoded bytes unchanged; all else is refused.
          expect(['invalid_attestation', 'none']).toContain(code);
        },
      ),
      { numRuns: 300 },
    );
  });
});
