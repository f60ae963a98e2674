import { describe, expect, it } from 'vitest';
import { derSign, ecKeyPair, packedX5c } from '../../test/attestationStatements.ts';
import { ECDSA_SHA256, bits, concat, integer, name, seq, time, tlv, utf8, printable } from '../../test/derEncoder.ts';
import { base64url } from '../base64url.ts';
import { isTesseraError } from '../errors.ts';
import { MemoryChallengeStore } from '../memoryChallengeStore.ts';
import { MemoryCredentialStore } from '../credentialStore.ts';
import { createRelyingParty } from '../relyingParty.ts';
import { SoftwareAuthenticator, type AttestationStatementOverride } from '../testing/softwareAuthenticator.ts';

/*
 * A second round of attacks on §7.1 steps 19–21 (README "What the library refuses"): `packed` statements whose
 * `alg` does not match the attestation certificate, an expired chain and a certificate with a 2 000-byte serial,
 * all sent while only 'none' was requested. Each is refused with a 4xx code (never a crash or a plain Error) and
 * nothing is enrolled; none is silently accepted.
 */

const ORIGIN = 'https://example.com';
const alice = { id: base64url.encode(new TextEncoder().encode('alice-0001')), name: 'alice@example.com', displayName: 'Alice' };
const subtle = globalThis.crypto.subtle;

/** `statement` with its `alg` replaced. */
function withAlg(statement: AttestationStatementOverride, alg: number): AttestationStatementOverride {
  return {
    fmt: statement.fmt,
    attStmt: async (signed) => {
      const attStmt = typeof statement.attStmt === 'function' ? await statement.attStmt(signed) : statement.attStmt;
      return new Map([...(attStmt as Map<string, unknown>), ['alg', alg]]);
    },
  };
}

/** A `packed` statement whose leaf has a 2 000-byte serial (RFC 5280 §4.1.2.2 allows 20), correctly signed otherwise. */
const giantSerial: AttestationStatementOverride = {
  fmt: 'packed',
  attStmt: async ({ authData, clientDataHash }) => {
    const key = await ecKeyPair();
    const tbs = seq(
      tlv(0xa0, integer(2n)),
      integer(1n << 15_999n),
      ECDSA_SHA256,
      name(['2.5.4.3', utf8('Test Attestation CA')]),
      seq(time(Date.parse('2020-01-01T00:00:00Z')), time(Date.parse('2049-12-31T23:59:59Z'))),
      name(['2.5.4.6', printable('SE')], ['2.5.4.10', utf8('Test Vendor')], ['2.5.4.11', utf8('Authenticator Attestation')], ['2.5.4.3', utf8('Test Authenticator')]),
      new Uint8Array(await subtle.exportKey('spki', key.publicKey)),
    );
    const leaf = seq(tbs, ECDSA_SHA256, bits(derSign(key.privateKey, tbs)));
    return new Map<string, unknown>([['alg', -7], ['sig', derSign(key.privateKey, concat(authData, clientDataHash))], ['x5c', [leaf]]]);
  },
};

async function outcome(statement: AttestationStatementOverride): Promise<string> {
  const rp = createRelyingParty({ rpId: 'example.com', rpName: 'Example', origins: [ORIGIN], challengeStore: new MemoryChallengeStore({ sweepIntervalMs: 0 }), credentialStore: new MemoryCredentialStore() });
  const { options, ticket } = await rp.startRegistration({ user: alice, attestation: 'none' });
  const response = await new SoftwareAuthenticator({ statement }).register(options, ORIGIN);
  return rp.finishRegistration({ ticket, response }).then(
    (result) => `enrolled as ${result.credential.fmt}`,
    (error: unknown) => (isTesseraError(error) ? error.code : `plain ${String(error)}`),
  );
}

describe("packed statements that do not verify, under 'none'", () => {
  it.each([
    ['RS256 with an EC certificate', -257, 'invalid_attestation'],
    ['EdDSA with an EC certificate', -8, 'invalid_attestation'],
    ['ES512 with a P-256 certificate', -36, 'invalid_attestation'],
    ['PS256 with an EC certificate', -37, 'invalid_attestation'],
    ['an unassigned algorithm', 123_456, 'unsupported_algorithm'],
    ['alg 0', 0, 'unsupported_algorithm'],
  ] as const)('alg of %s is %s', async (_name, alg, code) => {
    expect(await outcome(withAlg(packedX5c(), alg))).toBe(code);
  });

  it('an expired certificate chain is invalid_attestation', async () => {
    expect(await outcome(packedX5c({ leaf: { notBefore: '2000-01-01T00:00:00Z', notAfter: '2001-01-01T00:00:00Z' } }))).toBe('invalid_attestation');
  });

  it('a certificate not yet valid is invalid_attestation', async () => {
    expect(await outcome(packedX5c({ leaf: { notBefore: '2090-01-01T00:00:00Z', notAfter: '2099-01-01T00:00:00Z' } }))).toBe('invalid_attestation');
  });

  // RFC 5280 §4.1.2.2 forbids CAs serials over 20 octets; the library enrols this one (trust is not decided under
  // 'none'). Noted for the lead; what matters here is that it is a typed answer, not a crash.
  it('a leaf with a 2 000-byte serial is enrolled as packed under none (a typed answer, not a crash)', async () => {
    expect(await outcome(giantSerial)).toBe('enrolled as packed');
  });
});
