import { X509Certificate, createHash } from 'node:crypto';
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concat, oid, printable, tlv, utf8 } from '../../test/derEncoder.ts';
import { SPEC_DIRECTORY_NAME, TCG, pubAreaOf, sanValue, tpmAttStmt, type TpmDirectoryName, type TpmSpec } from '../../test/tpmStatements.ts';
import { codeOf, refusedByPathValidation, signatureUnusedBitsAt } from '../../test/formatStatements.ts';
import { readRegistrationVectors, type RegistrationVector } from '../../test/vectors.ts';
import { parseAttestationObject } from '../attestationObject.ts';
import { COSE_ALGORITHMS } from '../cose.ts';
import { isTesseraError } from '../errors.ts';
import { parseTpmsAttest, parseTpmtPublic } from './_tpmStructures.ts';
import { verifyAttestationStatement, type AttestationStatementInput } from './verifyAttestationStatement.ts';

const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false });
const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());
const random = (length: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(length));
const decode = (value: string): Uint8Array => new Uint8Array(Buffer.from(value, 'base64url'));

async function messageOf(input: AttestationStatementInput): Promise<string> {
  try {
    await verifyAttestationStatement(input);
    return 'verified';
  } catch (error) {
    if (!isTesseraError(error)) throw error;
    return error.message;
  }
}

// ---- Captured Windows Hello registrations ----
const vectors = readRegistrationVectors().filter((vector) => vector.fmt === 'tpm');

function vectorInput(vector: RegistrationVector): AttestationStatementInput {
  const parsed = parseAttestationObject(decode(vector.response.response.attestationObject));
  const clientDataHash = sha256(decode(vector.response.response.clientDataJSON));
  const now = vector.requiresDate === undefined ? Date.now() : Date.parse(vector.requiresDate);
  return { ...parsed, attStmt: parsed.attStmt as Map<string, unknown>, clientDataHash, now };
}

const withMember = (input: AttestationStatementInput, member: string, value: unknown): AttestationStatementInput => ({
  ...input,
  attStmt: new Map(input.attStmt).set(member, value),
});

/** A minimal DER walker for the tests: the children of a constructed element, with their offsets in `der`. */
interface Tlv {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const result: Tlv[] = [];
  let at = parent.contentStart;
  while (at < parent.end) {
    const tag = der[at]!;
    let length = der[at + 1]!;
    let header = 2;
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let index = 0; index < count; index++) length = length * 256 + der[at + 2 + index]!;
      header += count;
    }
    result.push({ tag, start: at, contentStart: at + header, end: at + header + length });
    at += header + length;
  }
  return result;
}
const rootOf = (der: Uint8Array): Tlv => children(der, { tag: 0, start: 0, contentStart: 0, end: der.length })[0]!;

/** Byte ranges of an AIK certificate whose change the statement check itself must notice. */
function checkedSpans(der: Uint8Array): [number, number][] {
  const root = rootOf(der);
  const tbs = children(der, root)[0]!;
  const fields = children(der, tbs);
  const spans: [number, number][] = [
    [0, tbs.contentStart], // Certificate and TBSCertificate headers
    [fields[0]!.start, fields[0]!.end], // version
    [fields[6]!.start, fields[6]!.contentStart], // SubjectPublicKeyInfo header
    [children(der, fields[6]!)[1]!.start, fields[6]!.end], // subjectPublicKey (WebCrypto reads RSA parameters leniently)
  ];
  const extensions = fields.find((field) => field.tag === 0xa3)!;
  for (const ext of children(der, children(der, extensions)[0]!)) {
    const parts = children(der, ext);
    const id = Buffer.from(der.subarray(parts[0]!.start, parts[0]!.end));
    const value = parts[parts.length - 1]!;
    if (id.equals(Buffer.from(oid('2.5.29.17')))) {
      // The SAN, but the tpmModel text and the digits of tpmVersion: any model name or version number is as
      // valid as another, so only the issuer's signature protects them.
      const free = [TCG.model, TCG.version].map((type) => {
        const at = Buffer.from(der).indexOf(Buffer.from(oid(type)), value.start);
        const text = children(der, { tag: 0, start: 0, contentStart: at, end: value.end })[1]!;
        return [text.contentStart + (type === TCG.version ? 3 : 0), text.end] as [number, number];
      });
      let from = value.start;
      for (const [start, end] of free.sort((a, b) => a[0] - b[0])) {
        spans.push([from, start]);
        from = end;
      }
      spans.push([from, value.end]);
    }
    if (id.equals(Buffer.from(oid('2.5.29.37')))) spans.push([value.contentStart + 2, value.end]); // EKU purposes
  }
  return spans;
}

describe('tpm (§8.3) on captured Windows Hello registrations', () => {
  it('has the six captured tpm registrations', () => {
    expect(vectors.map((vector) => vector.name)).toHaveLength(6);
  });

  it.each(vectors)('verifies $name as AttCA with x5c as trust path', async (vector) => {
    const input = vectorInput(vector);
    const result = await verifyAttestationStatement(input);
    const x5c = input.attStmt.get('x5c') as Uint8Array[];
    expect(result).toEqual({ fmt: 'tpm', type: 'AttCA', trustPath: x5c.map((der) => new Uint8Array(der)) });
  });

  it.each(vectors)('rejects $name with another clientDataHash (another challenge)', async (vector) => {
    const input = vectorInput(vector);
    expect(await messageOf({ ...input, clientDataHash: random(32) })).toMatch(/extraData/);
  });

  it.each(vectors)('rejects $name outside its certificates\' validity', async (vector) => {
    expect(await codeOf({ ...vectorInput(vector), now: Date.parse('2060-01-01T00:00:00Z') })).toBe('invalid_attestation');
  });

  it('rejects every statement presented for another credential, and every pubArea of another key', async () => {
    for (const mine of vectors) {
      for (const theirs of vectors) {
        if (mine === theirs) continue;
        const input = vectorInput(mine);
        const other = vectorInput(theirs);
        expect(await codeOf({ ...input, attStmt: other.attStmt }), `${theirs.name} for ${mine.name}`).toBe('invalid_attestation');
        const pubArea = other.attStmt.get('pubArea') as Uint8Array;
        const mismatch = Buffer.from(pubArea).equals(Buffer.from(input.attStmt.get('pubArea') as Uint8Array));
        if (!mismatch) expect(await messageOf(withMember(input, 'pubArea', pubArea))).toMatch(/another (type of )?key/);
      }
    }
  });

  it.each(vectors)('rejects $name with any byte of sig flipped', async (vector) => {
    const input = vectorInput(vector);
    const sig = input.attStmt.get('sig') as Uint8Array;
    for (let index = 0; index < sig.length; index++) {
      const flipped = new Uint8Array(sig);
      flipped[index]! ^= 0x01;
      expect(await codeOf(withMember(input, 'sig', flipped)), `byte ${index}`).toBe('invalid_attestation');
    }
  });

  it.each(vectors)('rejects $name with any byte of certInfo or pubArea flipped', async (vector) => {
    const input = vectorInput(vector);
    for (const member of ['certInfo', 'pubArea']) {
      const bytes = input.attStmt.get(member) as Uint8Array;
      for (let index = 0; index < bytes.length; index++) {
        const flipped = new Uint8Array(bytes);
        flipped[index]! ^= 0x01;
        expect(await codeOf(withMember(input, member, flipped)), `${member} byte ${index}`).toBe('invalid_attestation');
      }
    }
  });

  it('names a wrong magic and a wrong type', async () => {
    const input = vectorInput(vectors[0]!);
    const certInfo = input.attStmt.get('certInfo') as Uint8Array;
    const badMagic = new Uint8Array(certInfo);
    badMagic[3] = 0x48;
    expect(await messageOf(withMember(input, 'certInfo', badMagic))).toMatch(/magic is not TPM_GENERATED_VALUE/);
    const quote = new Uint8Array(certInfo);
    quote[5] = 0x18; // TPM_ST_ATTEST_QUOTE
    expect(await messageOf(withMember(input, 'certInfo', quote))).toMatch(/type is not TPM_ST_ATTEST_CERTIFY/);
  });

  it('rejects a wrong ver, an ecdaaKeyId, a missing or an extra member, and an alg that is not the signature\'s', async () => {
    const input = vectorInput(vectors[0]!);
    expect(await codeOf(withMember(input, 'ver', '1.2'))).toBe('invalid_attestation');
    expect(await codeOf(withMember(input, 'ver', 2))).toBe('invalid_attestation');
    expect(await codeOf(withMember(input, 'ecdaaKeyId', random(16)))).toBe('invalid_attestation');
    expect(await codeOf(withMember(input, 'extra', 1))).toBe('invalid_attestation');
    for (const member of ['ver', 'alg', 'x5c', 'sig', 'certInfo', 'pubArea']) {
      const attStmt = new Map(input.attStmt);
      attStmt.delete(member);
      expect(await codeOf({ ...input, attStmt }), member).toBe('invalid_attestation');
    }
    // extraData is a SHA-1 digest: RS256 expects a SHA-256 one.
    expect(await messageOf(withMember(input, 'alg', COSE_ALGORITHMS.RS256))).toMatch(/extraData/);
    expect(await codeOf(withMember(input, 'alg', COSE_ALGORITHMS.EdDSA))).toBe('unsupported_algorithm');
    expect(await codeOf(withMember(input, 'alg', 'RS1'))).toBe('invalid_attestation');
  });

  it('rejects a statement whose statement is an array (the compound syntax)', async () => {
    const input = vectorInput(vectors[0]!);
    expect(await codeOf({ ...input, attStmt: [...input.attStmt.values()] } as unknown as AttestationStatementInput)).toBe('invalid_attestation');
  });

  it('never throws anything but invalid_attestation for certInfo or pubArea truncated, extended or replaced', async () => {
    const input = vectorInput(vectors[2]!); // the ECC one: its pubArea is short enough to explore
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('certInfo', 'pubArea'),
        fc.oneof(
          fc.record({ cut: fc.nat({ max: 400 }) }),
          fc.record({ tail: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
          fc.record({ bytes: fc.uint8Array({ maxLength: 400 }) }),
        ),
        async (member, change) => {
          const original = input.attStmt.get(member) as Uint8Array;
          const changed =
            'cut' in change ? original.subarray(0, change.cut % original.length) : 'tail' in change ? concat(original, change.tail) : change.bytes;
          expect(await codeOf(withMember(input, member, changed))).toBe('invalid_attestation');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('tpm (§8.3) with altered AIK certificates', () => {
  // A flip is rejected here (always a TesseraError), or it is in bytes the statement check does not read
  // (serial, issuer, validity within range, signature, unread extensions): those only the issuer's signature
  // covers, which path validation to a trust anchor verifies — and here it no longer verifies.
  const seen = new Set<string>();
  const targets = vectors.filter((vector) => {
    const aik = Buffer.from((vectorInput(vector).attStmt.get('x5c') as Uint8Array[])[0]!).toString('base64');
    const fresh = !seen.has(aik);
    seen.add(aik);
    return fresh;
  });

  it.each(targets)('rejects or leaves to path validation every flipped byte of the AIK certificate of $name', async (vector) => {
    const input = vectorInput(vector);
    const [aik, issuer] = (input.attStmt.get('x5c') as Uint8Array[]).map((der) => new Uint8Array(der));
    const mustReject = checkedSpans(aik!);
    let rejected = 0;
    for (let at = 0; at < aik!.length; at++) {
      const flipped = new Uint8Array(aik!);
      flipped[at]! ^= 0x01;
      const code = await codeOf(withMember(input, 'x5c', [flipped, issuer]));
      expect(['none', 'invalid_attestation'], `byte ${at}`).toContain(code);
      if (code !== 'none') {
        rejected++;
        continue;
      }
      expect(mustReject.some(([start, end]) => at >= start && at < end), `byte ${at} was accepted`).toBe(false);
      if (at !== signatureUnusedBitsAt(aik!)) expect(await refusedByPathValidation(flipped, issuer!, input.now), `byte ${at}`).toBe(true);
    }
    expect(rejected).toBeGreaterThan(0);
    // About 1,400 whole verifications per certificate, each parsing the chain with asn1js: a minute on a busy
    // 2-core machine, a few seconds on an idle one.
  }, 180_000);
});

// ---- Statements of the test's own making ----

async function ecCredential(): Promise<Uint8Array> {
  const pair = await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const point = new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', pair.publicKey));
  return new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, point.slice(1, 33)], [-3, point.slice(33)]])));
}

let rsaKey: Uint8Array | undefined;
async function rsaCredential(): Promise<Uint8Array> {
  if (rsaKey !== undefined) return rsaKey;
  const params = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' };
  const pair = await globalThis.crypto.subtle.generateKey(params, true, ['sign', 'verify']);
  const jwk = await globalThis.crypto.subtle.exportKey('jwk', pair.publicKey);
  rsaKey = new Uint8Array(cbor.encode(new Map<number, unknown>([[1, 3], [3, -257], [-1, decode(jwk.n!)], [-2, decode(jwk.e!)]])));
  return rsaKey;
}

interface Built {
  input: AttestationStatementInput;
  aaguid: Uint8Array;
}

/** An attestation object with a synthetic tpm statement per `spec`, through parseAttestationObject. */
async function built(spec: TpmSpec = {}, options: { rsa?: boolean; edit?: (attStmt: Map<string, unknown>) => void } = {}): Promise<Built> {
  const credentialPublicKey = options.rsa === true ? await rsaCredential() : await ecCredential();
  const aaguid = random(16);
  const credentialId = random(16);
  const authData = concat(sha256(new TextEncoder().encode('example.com')), Uint8Array.of(0x45, 0, 0, 0, 0), aaguid, Uint8Array.of(0, 16), credentialId, credentialPublicKey);
  const clientDataHash = random(32);
  const attStmt = tpmAttStmt({ authData, clientDataHash }, spec);
  options.edit?.(attStmt);
  const parsed = parseAttestationObject(new Uint8Array(cbor.encode(new Map<string, unknown>([['fmt', 'tpm'], ['attStmt', attStmt], ['authData', authData]]))));
  return { input: { ...parsed, attStmt: parsed.attStmt as Map<string, unknown>, clientDataHash, now: Date.parse('2030-01-01T00:00:00Z') }, aaguid };
}

const rdn = (...attributes: [string, Uint8Array][]): [string, Uint8Array][] => attributes;
const MANUFACTURER = SPEC_DIRECTORY_NAME[0]![0]!;
const MODEL = SPEC_DIRECTORY_NAME[1]![0]!;
const VERSION = SPEC_DIRECTORY_NAME[2]![0]!;

describe('tpm (§8.3) statements of the test\'s own making', () => {
  it('accepts RS1, RS256 and ES256 AIK signatures over EC and RSA credentials', async () => {
    for (const alg of [COSE_ALGORITHMS.RS1, COSE_ALGORITHMS.RS256, COSE_ALGORITHMS.ES256]) {
      for (const rsa of [false, true]) {
        const { input } = await built({ alg }, { rsa });
        expect(await codeOf(input), `${alg} ${rsa ? 'RSA' : 'EC'}`).toBe('none');
      }
    }
  });

  it('accepts RS1 statement signatures whatever allowRS1 says: it governs RS1 credentials only', async () => {
    const { input } = await built({ alg: COSE_ALGORITHMS.RS1 });
    expect(await codeOf({ ...input, allowRS1: false })).toBe('none');
    expect(await codeOf({ ...input, allowRS1: true })).toBe('none');
  });

  it('accepts an RSA exponent given as 65537 instead of 0, and a SHA-1 or SHA-384 nameAlg', async () => {
    expect(await codeOf((await built({ exponentZero: false }, { rsa: true })).input)).toBe('none');
    expect(await codeOf((await built({ nameAlg: 0x0004 })).input)).toBe('none');
    expect(await codeOf((await built({ nameAlg: 0x000c })).input)).toBe('none');
  });

  it('rejects a pubArea whose exponent, modulus or point differs from the credential key', async () => {
    const { input } = await built({}, { rsa: true });
    const pubArea = new Uint8Array(input.attStmt.get('pubArea') as Uint8Array);
    const exponent = new Uint8Array(pubArea);
    exponent[exponent.length - 256 - 2 - 1] = 3; // exponent 3
    expect(await messageOf(withMember(input, 'pubArea', exponent))).toMatch(/another key/);
    const ec = (await built()).input;
    const otherEc = pubAreaOf(await ecCredential());
    expect(await messageOf(withMember(ec, 'pubArea', otherEc))).toMatch(/another key/);
    expect(await messageOf(withMember(ec, 'pubArea', pubAreaOf(await rsaCredential())))).toMatch(/another type of key/);
  });

  it.each<[string, TpmDirectoryName[]]>([
    ['the profile layout, one attribute per RDN', [SPEC_DIRECTORY_NAME]],
    ['one multi-valued RDN, as Microsoft issues for Nuvoton and Intel TPMs', [[rdn(VERSION, MODEL, MANUFACTURER)]]],
    ['another order', [[[MODEL], [VERSION], [MANUFACTURER]]]],
    ['a lower-case vendor id and PrintableString values', [[[[TCG.manufacturer, utf8('id:4e544300')]], [[TCG.model, printable('NPCT75x')]], [VERSION]]]],
  ])('accepts a SAN in %s', async (_label, directoryNames) => {
    expect(await codeOf((await built({ san: sanValue(directoryNames) })).input)).toBe('none');
  });

  it('accepts other GeneralNames next to the TPM directoryName (the profile\'s optional HardwareModuleName)', async () => {
    const hardwareModuleName = tlv(0xa0, oid('1.3.6.1.5.5.7.8.4'), tlv(0xa0, tlv(0x30, oid('1.2.3.4'), tlv(0x04, random(8)))));
    expect(await codeOf((await built({ san: sanValue([SPEC_DIRECTORY_NAME], [hardwareModuleName]) })).input)).toBe('none');
  });

  it.each<[string, TpmSpec, RegExp]>([
    ['no SAN', { san: null }, /no subject alternative name/],
    ['a SAN not critical, though the subject is empty', { sanCritical: false }, /not critical/],
    ['an unknown vendor', { san: sanValue([[[[TCG.manufacturer, utf8('id:DEADBEEF')]], [MODEL], [VERSION]]]) }, /vendor registry/],
    ['a vendor not in id: form', { san: sanValue([[[[TCG.manufacturer, utf8('STM ')]], [MODEL], [VERSION]]]) }, /vendor registry/],
    ['a manufacturer twice, in one RDN', { san: sanValue([[rdn(MANUFACTURER, [TCG.manufacturer, utf8('id:494E5443')]), [MODEL], [VERSION]]]) }, /twice/],
    ['a manufacturer twice, across RDNs', { san: sanValue([[[MANUFACTURER], [MODEL], [VERSION], [[TCG.manufacturer, utf8('id:494E5443')]]]]) }, /twice/],
    ['a foreign attribute', { san: sanValue([[...SPEC_DIRECTORY_NAME, [['2.5.4.3', utf8('Evil')]]]]) }, /other than/],
    ['no model', { san: sanValue([[[MANUFACTURER], [VERSION]]]) }, /lacks/],
    ['two directoryNames', { san: sanValue([SPEC_DIRECTORY_NAME, SPEC_DIRECTORY_NAME]) }, /exactly one directoryName/],
    ['no directoryName', { san: tlv(0x30, tlv(0x82, new TextEncoder().encode('tpm.example'))) }, /exactly one directoryName/],
    ['a value that is not text', { san: sanValue([[[MANUFACTURER], [[TCG.model, tlv(0x04, random(4))]], [VERSION]]]) }, /not a non-empty string/],
    ['an empty value', { san: sanValue([[[MANUFACTURER], [[TCG.model, utf8('')]], [VERSION]]]) }, /not a non-empty string|malformed/],
    ['a SAN that is not DER (long-form length)', { san: concat(Uint8Array.of(0x30, 0x81), sanValue([SPEC_DIRECTORY_NAME]).subarray(1)) }, /not DER|malformed/],
    ['a subject', { subject: tlv(0x30, tlv(0x31, tlv(0x30, oid('2.5.4.3'), utf8('AIK')))) }, /subject is not empty/],
    ['version 1', { version: 1 }, /version 3/],
    ['no extended key usage', { eku: null }, /no extended key usage/],
    ['an EKU without tcg-kp-AIKCertificate', { eku: ['1.3.6.1.5.5.7.3.2'] }, /tcg-kp-AIKCertificate/],
    ['a CA certificate', { ca: true }, /CA certificate/],
    ['another AAGUID', { aaguid: random(16) }, /AAGUID extension does not match/],
    ['a critical AAGUID extension', { aaguid: 'same', aaguidCritical: true }, /critical/],
    ['an expired certificate', { notAfter: '2029-12-31T23:59:59Z' }, /not valid at this time/],
  ])('rejects an AIK certificate with %s', async (_label, spec, message) => {
    expect(await messageOf((await built(spec)).input)).toMatch(message);
  });

  it('accepts an AIK certificate without basicConstraints (RFC 5280: not a CA) and with the matching AAGUID', async () => {
    expect(await codeOf((await built({ ca: null })).input)).toBe('none');
    expect(await codeOf((await built({ aaguid: 'same' })).input)).toBe('none');
  });
});

describe('tpm: the WebAuthn L3 §16 test vector "TPM Attestation with ES256 Credential"', () => {
  // From the spec's Test Vectors section (w3c/webauthn index.bs): a synthetic TPM whose AIK certificate names
  // the manufacturer "id:00000000", which is no vendor of the TCG registry.
  const attestationObject = Buffer.from(
    'a363666d746374706d6761747453746d74a663616c67266373696758463044022066e5826a652091030fd444e33c3eca2bc6dc548cf3045013addb38aa6457a21002203f3a5c95c9e707d0e555041bcc8698ee4ebc04e26cc8bae459705471789851766376657263322e30637835638159023a30820236308201dca0030201020210311fc42da0ab10c43a9b1bf3a75e34e2300a06082a8648ce3d0403023062311e301c06035504030c15576562417574686e207465737420766563746f7273310c300a060355040a0c0357334331253023060355040b0c1c41757468656e74696361746f72204174746573746174696f6e204341310b30090603550406130241413020170d3234303130313030303030305a180f33303234303130313030303030305a30003059301306072a8648ce3d020106082a8648ce3d03010703420004c54e3f109094f60d7699b7db5d838569ffd1f3e1c9e897cd9eb40063f9402e3e9937e936cf1fcd5eb743ff443c97ab2edcd7c8e0e6cf6cfd413b8ab19fffa769a381d33081d0300c0603551d130101ff04023000300e0603551d0f0101ff040403020780301d0603551d0e041604145f546cb6973d4981e80fcdc7463859f5879680e4301f0603551d2304183016801445aff715b0dd786741fee996ebc16547a3931b1e30100603551d250409300706056781050803305e0603551d110101ff04543052a450304e314c3014060567810502010c0b69643a30303030303030303014060567810502030c0b69643a3030303030303030301e060567810502020c15576562417574686e207465737420766563746f7273300a06082a8648ce3d0403020348003045022063c9a2797b8066f1db34dd609f1ab6695607e7a98e9ff8090a68853c9a9fc949022100a55831a39f5b8a2aa9a68837829cabf43fea2a5cea4859ae851cac78e6ac3e97677075624172656158560023000b0004000000000010001000030010002041202698c9d9753fb4bb3f27cd09fe6b8afdb76438ee2ae54d7c9dade10d864b0020d8735115cdb330a63ea1d6e43d5000f4bd56f99bce83ee1d73301fc270116d076863657274496e666f5869ff544347801700000020277d0e05579dd013215a62273f7f3a3e7e191ead2654a3036d75a5a3ee37a6b0000000000000000011111111222222223300000000000000000022000b9c42d8aad5939331b9af3711af179f17123178098c9a7d0ca89fcd1fc800f3c7000068617574684461746158a4bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b54d000000004b92a377fc5f6107c4c85c190adbfd990020ec27bec7521c894bbb821105ea3724c90e770cf1fa354157ef18d0f18f78bea9a501020326200121582041202698c9d9753fb4bb3f27cd09fe6b8afdb76438ee2ae54d7c9dade10d864b225820d8735115cdb330a63ea1d6e43d5000f4bd56f99bce83ee1d73301fc270116d07',
    'hex',
  );
  const clientDataJSON = Buffer.from('7b2274797065223a22776562617574686e2e637265617465222c226368616c6c656e6765223a227a38677333787a753648595343716950413254776b51475452677a376c364d587376344a427054356f706b222c226f726967696e223a2268747470733a2f2f6578616d706c652e6f7267222c2263726f73734f726967696e223a66616c73657d', 'hex');
  const specInput = (object: Uint8Array): AttestationStatementInput => {
    const parsed = parseAttestationObject(object);
    return { ...parsed, attStmt: parsed.attStmt as Map<string, unknown>, clientDataHash: sha256(clientDataJSON), now: Date.parse('2025-01-01T00:00:00Z') };
  };

  it('is refused only for its unregistered manufacturer', async () => {
    expect(await messageOf(specInput(new Uint8Array(attestationObject)))).toMatch(/not in the TCG TPM vendor registry/);
    // The same bytes naming STMicroelectronics pass every statement check; the AIK certificate's signature,
    // which the change breaks, is the trust decision's to verify.
    const renamed = Buffer.from(attestationObject.toString('latin1').replace('id:00000000', 'id:53544D20'), 'latin1');
    const result = await verifyAttestationStatement(specInput(new Uint8Array(renamed)));
    expect(result).toMatchObject({ fmt: 'tpm', type: 'AttCA' });
  });
});

describe('TPM structure parsers', () => {
  it('return a result or a TesseraError for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        for (const parse of [parseTpmsAttest, parseTpmtPublic]) {
          try {
            parse(bytes);
          } catch (error) {
            expect(isTesseraError(error, 'invalid_attestation')).toBe(true);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse TPM2B fields larger than their type', () => {
    const input = vectorInput(vectors[0]!);
    const certInfo = input.attStmt.get('certInfo') as Uint8Array;
    // qualifiedSigner claims 67 bytes, one more than a TPM2B_NAME holds.
    const oversized = concat(certInfo.subarray(0, 6), Uint8Array.of(0, 67), random(67), certInfo.subarray(6 + 2 + 34));
    expect(() => parseTpmsAttest(oversized)).toThrow(/larger than its type allows/);
    expect(parseTpmsAttest(certInfo).extraData).toHaveLength(20);
    const pubArea = parseTpmtPublic(input.attStmt.get('pubArea') as Uint8Array);
    expect(pubArea).toMatchObject({ nameAlg: 0x000b, key: { type: 'RSA', keyBits: 2048, exponent: 0 } });
  });
});
